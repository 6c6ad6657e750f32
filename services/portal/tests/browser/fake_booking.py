"""Booking's public survey API as its OpenAPI describes it (GET /v1/surveys/{code}, POST .../answers), played in
the browser tests so that a survey can be open, closed or full at will. What booking itself does behind it is
tested in booking's suite; here only the portal's pages are under test."""

import secrets
from dataclasses import dataclass, field

from fastapi import Cookie, FastAPI, Response
from fastapi.responses import JSONResponse

TEXTS = {
    "nb": {"imagine": "Kan du tenke deg å jobbe i helse- og omsorgstjenesten?", "learned": "Lærte du noe nytt?",
           "good": "Var besøket bra?", "yes": "Ja", "maybe": "Kanskje", "no": "Nei", "ok": "Greit"},
    "nn": {"imagine": "Kan du tenkje deg å jobbe i helse- og omsorgstenesta?", "learned": "Lærte du noko nytt?",
           "good": "Var besøket bra?", "yes": "Ja", "maybe": "Kanskje", "no": "Nei", "ok": "Greitt"},
    "en": {"imagine": "Could you imagine working in health care?", "learned": "Did you learn something new?",
           "good": "Was the visit good?", "yes": "Yes", "maybe": "Maybe", "no": "No", "ok": "OK"},
}  # fmt: skip
OPTIONS = {"imagine": ("yes", "maybe", "no"), "learned": ("yes", "no"), "good": ("yes", "ok", "no")}


@dataclass
class FakeBooking:
    """Surveys by code: their language, whether open, and the answers and cookies they took."""

    languages: dict[str, str] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    answers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    cookies: set[str] = field(default_factory=set)
    seen_headers: list[dict[str, str]] = field(default_factory=list)

    def open_survey(self, language: str = "nb") -> str:
        """A new open survey in `language`; its code."""
        code = "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(10))
        self.languages[code] = language
        self.answers[code] = []
        return code

    def app(self) -> FastAPI:
        """The two endpoints, answering as booking does."""
        app = FastAPI()

        @app.middleware("http")
        async def seen(request, call_next):  # type: ignore[no-untyped-def]
            self.seen_headers.append({k: v for k, v in request.headers.items() if k in ("cookie", "x-forwarded-for")})
            return await call_next(request)

        def problem(status: int) -> JSONResponse:
            return JSONResponse({"status": status, "title": "refused"}, status_code=status,
                                media_type="application/problem+json")  # fmt: skip

        @app.get("/v1/surveys/{code}")
        async def open_(code: str, outreach_survey: str | None = Cookie(default=None)) -> Response:
            code = code.upper()
            if code not in self.languages:
                return problem(404)
            if code in self.closed:
                return problem(410)
            lang = self.languages[code]
            questions = [{"id": q, "text": TEXTS[lang][q],
                          "options": [{"value": o, "label": TEXTS[lang][o]} for o in opts]}
                         for q, opts in OPTIONS.items()]  # fmt: skip
            return JSONResponse({"code": code, "language": lang, "closes_at": None, "questions": questions,
                                 "answered": outreach_survey in self.cookies})  # fmt: skip

        @app.post("/v1/surveys/{code}/answers", status_code=201)
        async def answer(code: str, body: dict[str, str], response: Response,
                         outreach_survey: str | None = Cookie(default=None)) -> Response:  # fmt: skip
            if code not in self.languages:
                return problem(404)
            if code in self.closed:
                return problem(410)
            if outreach_survey in self.cookies:
                return problem(409)
            if set(body) != set(OPTIONS) or any(body[q] not in OPTIONS[q] for q in OPTIONS):
                return problem(422)
            self.answers[code].append(body)
            cookie = secrets.token_urlsafe(32)
            self.cookies.add(cookie)
            done = JSONResponse({"answered": True}, status_code=201)
            done.set_cookie("outreach_survey", cookie, path=f"/v1/surveys/{code}", httponly=True, samesite="strict")
            return done

        return app
