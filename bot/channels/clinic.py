"""The clinic's page at /clinic: what people ask, behind the clinic's own token.

Only when ``CLINIC_TOKEN`` is set (16 characters or more) does the page
exist; without it every /clinic path is an unknown path. Every request must
carry the token, as ``Authorization: Bearer <token>``, or the cookie the
sign-in form at /clinic/sign-in sets; without it the answer is the same 404
as for an unknown path. Tokens are compared in constant time; the cookie
holds an HMAC of the token, never the token.

- ``GET /clinic?start=YYYY-MM-DD&end=YYYY-MM-DD``: the page (last 30 days
  by default), charts drawn on the server (bot.insights.page);
- ``GET /clinic/insights.json`` and ``/clinic/insights.csv``: the same
  summary to download (keys in the README);
- ``GET|POST /clinic/sign-in``: a form that sets the session cookie.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.clinic_notes import NotesError, load, notes_path
from bot.database import database_url
from bot.insights.page import as_csv, render
from bot.insights.store import Summary, insights_engine, notes_index_for, summary
from bot.serve import CLINIC_TOKEN_VARIABLE, MIN_SECRET_CHARS

COOKIE = "mesoprep_clinic"
DEFAULT_DAYS = 30
SIGN_IN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clinic sign-in</title></head><body><main>
<h1>Clinic sign-in</h1>
<form method="post" action="/clinic/sign-in">
<label for="token">Clinic token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>"""


def session_value(token: str) -> str:
    """The cookie's value: an HMAC of the token, so the cookie never holds it."""
    return hmac.new(
        token.encode(), b"mesoprep-clinic-session", hashlib.sha256
    ).hexdigest()


def authorised(request: Request, token: str) -> bool:
    """True when the request carries the token, or the cookie sign-in sets."""
    header = request.headers.get("authorization", "")
    given = (
        header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    )
    cookie = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(given.encode(), token.encode()) or hmac.compare_digest(
        cookie.encode(), session_value(token).encode()
    )


def not_found(request: Request) -> NotFound:
    """The 404 an unknown path gets, word for word."""
    return NotFound(f"Requested URL {request.path} not found")


def date_range(request: Request) -> tuple[date, date]:
    """The ?start= and ?end= days, the last 30 days by default; bad input -> default."""
    today = date.today()
    try:
        end = date.fromisoformat(request.args.get("end", today.isoformat()))
        start = date.fromisoformat(
            request.args.get(
                "start", (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
            )
        )
    except ValueError:
        end, start = today, today - timedelta(days=DEFAULT_DAYS - 1)
    return (start, end) if start <= end else (end, start)


async def summary_for(request: Request) -> Summary:
    """The summary for the request's dates, computed off the event loop."""
    start, end = date_range(request)
    engine = insights_engine(database_url())
    notes = load(notes_path())
    return await asyncio.get_running_loop().run_in_executor(
        None, summary, engine, start, end, notes
    )


class ClinicChannel(InputChannel):
    """Serves the clinic page; takes no messages."""

    @classmethod
    def name(cls) -> str:
        """The channel's name in credentials.yml."""
        return "clinic"

    def url_prefix(self) -> str:
        """An absolute path: the page is at /clinic, not under /webhooks/."""
        return "/clinic"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ClinicChannel:
        """Nothing to configure in credentials.yml: the token is CLINIC_TOKEN."""
        return cls()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The page's routes, or none at all without a usable CLINIC_TOKEN."""
        clinic = Blueprint("mesoprep_clinic", __name__)
        token = os.environ.get(CLINIC_TOKEN_VARIABLE, "")
        if len(token) < MIN_SECRET_CHARS:
            return clinic
        # The notes are embedded now, not on the clinic's first page request
        # (most of a second); an invalid file is reported when the page asks.
        with contextlib.suppress(NotesError):
            notes_index_for(load(notes_path()))

        def guarded(
            handler: Callable[[Request], Coroutine[Any, Any, HTTPResponse]],
        ) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
            async def checked(request: Request) -> HTTPResponse:
                if not authorised(request, token):
                    raise not_found(request)
                return await handler(request)

            checked.__name__ = handler.__name__
            return checked

        async def page(request: Request) -> HTTPResponse:
            clinic_name = os.environ.get("CLINIC_NAME") or "your clinic"
            return response.html(render(await summary_for(request), clinic_name))

        async def as_json(request: Request) -> HTTPResponse:
            return response.json((await summary_for(request)).as_dict())

        async def as_csv_file(request: Request) -> HTTPResponse:
            return response.text(
                as_csv(await summary_for(request)),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="insights.csv"'},
            )

        async def sign_in_form(request: Request) -> HTTPResponse:
            return response.html(SIGN_IN_FORM)

        async def sign_in(request: Request) -> HTTPResponse:
            given = (request.form or {}).get("token", "")
            if not hmac.compare_digest(str(given).encode(), token.encode()):
                raise not_found(request)
            signed_in = response.redirect("/clinic", status=303)
            signed_in.cookies[COOKIE] = session_value(token)
            signed_in.cookies[COOKIE]["httponly"] = True
            signed_in.cookies[COOKIE]["samesite"] = "Strict"
            signed_in.cookies[COOKIE]["path"] = "/clinic"
            return signed_in

        clinic.add_route(guarded(page), "/", methods=["GET"], name="page")
        clinic.add_route(
            guarded(as_json), "/insights.json", methods=["GET"], name="json"
        )
        clinic.add_route(
            guarded(as_csv_file), "/insights.csv", methods=["GET"], name="csv"
        )
        clinic.add_route(sign_in_form, "/sign-in", methods=["GET"], name="sign_in_form")
        clinic.add_route(sign_in, "/sign-in", methods=["POST"], name="sign_in")
        return clinic
