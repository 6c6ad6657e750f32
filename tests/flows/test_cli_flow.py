"""The organiser CLI against the running system: output a script can parse, exit codes it can rely on."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from flows_kit import Stack

CLI = [sys.executable, "-m", "outreach_shared.cli.main"]


def run_cli(stack: Stack, kafka_bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "OUTREACH_SIGNING_KEY": stack.signing_key.pem(),
        "OUTREACH_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        **{f"OUTREACH_{name.upper()}_URL": url for name, url in stack.urls.items()},
    }
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


ROSTER = """navn;yrke;kommunenummer;e-post;mobil;språk
Liv Sarpsborg;sykepleier;3105;liv.cli@example.no;91234567;nb
Tor Fredrikstad;helsefagarbeider;3107;tor.cli@example.no;+47 922 33 444;"nb, en"
"""


async def test_roster_import_reports_bad_rows_with_exit_3_and_imports_a_good_file(stack: Stack, kafka_bootstrap,
                                                                                    tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(ROSTER + "Uten Kommune;sykepleier;9999;uten@example.no;91234568;nb\n", encoding="utf-8")
    refused = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, "members", "import", str(bad))
    assert refused.returncode == 3, refused.stderr
    assert "line 4" in refused.stderr and "9999" in refused.stderr
    listed = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, "members", "list", "--kommunenummer", "3105")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [], "nothing imported from a file with a bad row"

    good = tmp_path / "good.csv"
    good.write_text(ROSTER, encoding="utf-8")
    imported = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, "members", "import", str(good))
    assert imported.returncode == 0, imported.stderr
    assert len(json.loads(imported.stdout)["created"]) == 2
    again = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, "members", "import", str(good))
    assert json.loads(again.stdout)["created"] == [], "importing the same file twice creates nobody new"


async def test_visits_stats_gatherings_and_dead_letters_list_as_json(stack: Stack, kafka_bootstrap):
    for args in (("visits", "list", "--county", "50"), ("stats",), ("gatherings", "list"), ("dead-letters", "list")):
        result = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, *args)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        json.loads(result.stdout)


async def test_a_refused_request_exits_3_with_the_problem_detail(stack: Stack, kafka_bootstrap, tmp_path: Path):
    gathering = tmp_path / "gathering.json"
    gathering.write_text(json.dumps({"title": "Uten datoer"}), encoding="utf-8")
    result = await asyncio.to_thread(run_cli, stack, kafka_bootstrap, "gatherings", "create", str(gathering))
    assert result.returncode == 3
    assert "422" in result.stderr and "starts_at" in result.stderr
