"""Locked down by default: HTTP API off, or on only with a token; CORS by origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import serve
from tests.production.conftest import API_TOKEN, WIDGET_ORIGIN
from tools.harness import Assistant
from tools.http import get, post

PARSE = "/model/parse"
# A sample of Rasa's HTTP API: reading and changing conversations and models.
API_CALLS = [
    ("POST", PARSE, b'{"text": "hello"}'),
    ("GET", "/status", None),
    ("GET", "/conversations/someone/tracker", None),
    ("POST", "/conversations/someone/messages", b'{"text": "hi", "sender": "user"}'),
    ("GET", "/domain", None),
]


def call(base: str, method: str, path: str, body: bytes | None, query: str = ""):
    url = f"{base}{path}{query}"
    return get(url) if method == "GET" else post(url, body or b"", method=method)


# ---- Settings, without a server -----------------------------------------------


def test_api_is_off_without_a_secret() -> None:
    assert serve.api_arguments({}) == []


def test_api_switched_on_without_a_secret_refuses_to_start() -> None:
    with pytest.raises(serve.ConfigError, match="RASA_API_TOKEN"):
        serve.api_arguments({"RASA_API": "1"})


def test_api_token_switches_the_api_on_with_authentication() -> None:
    token = "t" * serve.MIN_SECRET_CHARS
    assert serve.api_arguments({"RASA_API_TOKEN": token}) == [
        "--enable-api",
        "--auth-token",
        token,
    ]


def test_jwt_secret_switches_the_api_on_with_jwt() -> None:
    secret = "s" * 32
    assert serve.api_arguments({"RASA_JWT_SECRET": secret}) == [
        "--enable-api",
        "--jwt-secret",
        secret,
        "--jwt-method",
        "HS256",
    ]


def test_short_secrets_are_refused() -> None:
    with pytest.raises(serve.ConfigError, match="at least"):
        serve.api_arguments({"RASA_API_TOKEN": "short"})


@pytest.mark.parametrize(
    "option", ["--auth-token", "--auth-token=x", "--jwt-secret", "--enable-api"]
)
def test_secrets_on_the_command_line_are_refused(option: str) -> None:
    with pytest.raises(serve.ConfigError, match="environment"):
        serve.refuse_command_line_secrets(["--port", "5005", option])


def test_cors_allows_only_the_listed_origins() -> None:
    env = {"CORS_ORIGINS": "https://a.example, https://b.example:8443"}
    assert serve.cors_arguments(env) == [
        "--cors",
        "https://a.example",
        "https://b.example:8443",
    ]
    assert serve.cors_arguments({}) == []


@pytest.mark.parametrize("origin", ["*", "https://a.example/path", "a.example"])
def test_cors_wildcards_and_non_origins_are_refused(origin: str) -> None:
    with pytest.raises(serve.ConfigError, match="CORS_ORIGINS"):
        serve.cors_arguments({"CORS_ORIGINS": origin})


def test_workers_default_to_one_per_core_and_follow_workers(monkeypatch) -> None:
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 6)
    assert serve.worker_count({}) == 6
    assert serve.worker_count({"WORKERS": "1"}) == 1
    for bad in ("0", "two", "-1"):
        with pytest.raises(serve.ConfigError, match="WORKERS"):
            serve.worker_count({"WORKERS": bad})


# ---- Against live servers -----------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
def test_api_is_off_by_default(
    locked_down: Assistant, method: str, path: str, body: bytes | None
) -> None:
    reply = call(locked_down.url, method, path, body)
    assert reply.status in (403, 404, 405), (path, reply.status)


@pytest.mark.server
@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
def test_api_needs_the_token(
    open_api: Assistant, method: str, path: str, body: bytes | None
) -> None:
    assert call(open_api.url, method, path, body).status == 401
    assert call(open_api.url, method, path, body, "?token=wrong-token").status == 401
    authorised = call(open_api.url, method, path, body, f"?token={API_TOKEN}")
    assert authorised.status == 200, authorised.body


@pytest.mark.server
def test_token_is_not_on_any_command_line(open_api: Assistant) -> None:
    # bot.serve passes it to Rasa inside the process: `ps` must not show it.
    assert open_api.process is not None
    cmdline = Path(f"/proc/{open_api.process.pid}/cmdline").read_bytes()
    assert API_TOKEN.encode() not in cmdline


@pytest.mark.server
def test_cors_header_only_for_the_configured_origin(open_api: Assistant) -> None:
    body = b'{"sender": "cors-check", "message": "hello"}'
    url = f"{open_api.url}/webhooks/rest/webhook"
    allowed = post(url, body, {"Origin": WIDGET_ORIGIN})
    assert allowed.headers.get("access-control-allow-origin") == WIDGET_ORIGIN
    other = post(url, body, {"Origin": "https://attacker.example"})
    assert other.status == 200  # the request works; the browser hides the reply
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.server
def test_cors_preflight_only_for_the_configured_origin(open_api: Assistant) -> None:
    url = f"{open_api.url}/webhooks/rest/webhook"
    headers = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    allowed = post(url, b"", {**headers, "Origin": WIDGET_ORIGIN}, method="OPTIONS")
    assert allowed.headers.get("access-control-allow-origin") == WIDGET_ORIGIN
    other = post(url, b"", {**headers, "Origin": "https://x.example"}, method="OPTIONS")
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.server
def test_no_cors_header_by_default(locked_down: Assistant) -> None:
    body = b'{"sender": "cors-default", "message": "hello"}'
    reply = post(
        f"{locked_down.url}/webhooks/rest/webhook", body, {"Origin": WIDGET_ORIGIN}
    )
    assert reply.status == 200
    assert "access-control-allow-origin" not in reply.headers


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "off (set CLINIC_TOKEN"),
        ({"CLINIC_TOKEN": "short"}, "off, CLINIC_TOKEN is shorter than 16"),
        (
            {"CLINIC_TOKEN": "a-long-enough-clinic-token"},
            "http://localhost:5006/clinic/sign-in (sign in with CLINIC_TOKEN)",
        ),
    ],
)
def test_start_up_says_where_the_clinic_page_is(env: dict, expected: str) -> None:
    line = serve.clinic_page_line(["--port", "5006"], env)
    assert line.startswith("==> Clinic page: ") and expected in line
    assert "a-long-enough-clinic-token" not in line  # never the secret itself
