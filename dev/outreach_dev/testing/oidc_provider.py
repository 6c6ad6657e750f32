"""A real OpenID Connect provider for tests: NAV's mock-oauth2-server, run from its Maven Central jars.

Each path segment is an issuer of its own (`http://127.0.0.1:PORT/feide`, `/idporten`, ...), with its own keys.
Its login page takes any user name and a JSON object of claims to put in the tokens, so a test says per login who
signs in; the server checks PKCE (a wrong `code_verifier` is refused) and uses a code once.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from outreach_dev.devstack._server import LocalServer
from outreach_dev.devstack._util import LOCALHOST, free_port, tail
from outreach_dev.devstack.kafka import cache_root

VERSION = "6.0.2"
POM_PATH = Path(__file__).parent / "oidc-pom.xml"
MAIN_CLASS = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"
_MVN_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"
JVM_OPTIONS = ("-Xms64m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true")

log = logging.getLogger(__name__)


def provider_libs_dir() -> Path:
    """Where the provider's jars are cached (next to Kafka's)."""
    return cache_root() / f"mock-oauth2-server-{VERSION}" / "libs"


def ensure_provider_jars() -> Path:
    """Fetch the provider's jars with Maven into the cache unless this pom's jars are there; return the dir."""
    libs = provider_libs_dir()
    stamp = f"{VERSION} {hashlib.sha256(POM_PATH.read_bytes()).hexdigest()}"
    stamp_file = libs / ".fetched-with"
    if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("mock-oauth2-server's jars are not cached and `mvn` is not on PATH to fetch them")
    libs.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=libs.parent, prefix="fetch-") as tmp:
        workdir = Path(tmp)
        shutil.copyfile(POM_PATH, workdir / "pom.xml")
        staging = workdir / "libs"
        cmd = ["mvn", "-B", "-q", _MVN_PLUGIN, "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
        log.info("fetching mock-oauth2-server %s with Maven into %s", VERSION, libs)
        result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        (staging / ".fetched-with").write_text(stamp + "\n")
        if libs.exists():  # stale cache (other pom): set it aside, the temp dir deletes it
            os.replace(libs, workdir / "stale")
        os.replace(staging, libs)
    return libs


class LocalOidcProvider(LocalServer):
    """One mock-oauth2-server JVM on 127.0.0.1 with an interactive login page; its log under `data_dir`."""

    START_TIMEOUT = 60.0

    def __init__(self, data_dir: Path | str, port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None
        atexit.register(self._stop_at_exit)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        if self.port is None:
            raise RuntimeError("LocalOidcProvider has no port yet: call start() first")
        return f"http://{LOCALHOST}:{self.port}"

    def issuer(self, name: str) -> str:
        """The issuer named `name` (any name is one)."""
        return f"{self.base_url}/{name}"

    @property
    def log_path(self) -> Path:
        """The provider's stdout and stderr."""
        return self.data_dir / "oidc-provider.log"

    def start(self, timeout: float | None = None) -> LocalOidcProvider:
        """Fetch the jars if needed, start the JVM and wait until it serves a discovery document."""
        if self.is_running():
            return self
        deadline = time.monotonic() + (timeout or self.START_TIMEOUT)
        libs = ensure_provider_jars()
        self.port = self.port or free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {"interactiveLogin": True, "httpServer": "NettyWrapper"}
        env = {**os.environ, "SERVER_HOSTNAME": LOCALHOST, "SERVER_PORT": str(self.port),
               "JSON_CONFIG": json.dumps(config)}  # fmt: skip
        cmd = [shutil.which("java") or "java", *JVM_OPTIONS, "-cp", f"{libs}/*", MAIN_CLASS]
        with self.log_path.open("ab") as out:
            self._proc = subprocess.Popen(
                cmd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        try:
            self._wait_until_ready(deadline)
        except BaseException as exc:
            self.kill()
            failure = f"the OIDC provider failed to start; log {self.log_path}:\n{tail(self.log_path)}"
            raise RuntimeError(failure) from exc
        log.info("mock-oauth2-server %s ready at %s (pid %s)", VERSION, self.base_url, self.pid)
        return self

    def _wait_until_ready(self, deadline: float) -> None:
        url = f"{self.issuer('ready')}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if not self.is_running():
                raise RuntimeError("the OIDC provider exited during start-up")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"no discovery document at {url} in time")


async def log_in(authorize_url: str, *, username: str, claims: dict[str, Any] | None = None) -> str:
    """Sign in on the provider's login page as `username`, with `claims` in the tokens; the redirect back (the
    client's callback with `code` and `state`)."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:
        response = await browser.post(authorize_url, data={"username": username, "claims": json.dumps(claims or {})})
    if response.status_code != 302:
        raise AssertionError(f"the provider did not redirect back: {response.status_code} {response.text[:500]}")
    return response.headers["location"]
