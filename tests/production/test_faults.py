"""Faults: the action server down, the database unreachable at start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.credentials import generate as generate_credentials
from bot.paths import MODEL_PATH as MODEL
from bot.paths import ROOT
from tests.support.rest import Conversation
from tools.harness import BIN, ActionServer, Assistant, free_port

APOLOGY = "Sorry, I can't do that right now"
PASSWORD = "hunter2-not-printed"


@pytest.fixture
def actions_down(locked_down: Assistant) -> Iterator[Assistant]:
    """The locked-down server with its action server stopped, restarted after."""
    actions = locked_down.actions
    assert isinstance(actions, ActionServer)
    actions.stop()
    try:
        yield locked_down
    finally:
        actions.start()


@pytest.mark.server
def test_answers_from_the_guide_still_work(actions_down: Assistant) -> None:
    chat = Conversation(actions_down.url)
    assert "Source: Pain and Discomfort" in chat.text("does it hurt?")
    reply = chat.text("how long does that last?")
    assert "few days" in reply and APOLOGY not in reply
    assert "Sources: Expensive Maintenance" in chat.text("is it expensive?")


@pytest.mark.server
def test_urgent_care_has_the_numbers_without_the_action_server(
    actions_down: Assistant,
) -> None:
    chat = Conversation(actions_down.url)
    reply = chat.text("my lips are swelling and I can't breathe after the injections")
    assert reply.startswith("Call 999 now")  # the server's settings (no REGION: uk)
    assert "let your practitioner at the clinic know" in reply
    assert APOLOGY not in reply  # action_load_settings fails silently


@pytest.mark.server
def test_contact_route_without_the_action_server_has_no_placeholder(
    actions_down: Assistant,
) -> None:
    reply = Conversation(actions_down.url).text("can I talk to a human?")
    assert "at the clinic, through its website." in reply and "[" not in reply
    assert APOLOGY not in reply


@pytest.mark.server
def test_prep_sheet_apologises_instead_of_silence(actions_down: Assistant) -> None:
    chat = Conversation(actions_down.url)
    messages = chat.say("help me prepare for my consultation")
    # The apology is the whole turn (nothing half-done), then it listens.
    assert len(messages) == 1 and APOLOGY in messages[0]["text"]
    assert "Source: Pain and Discomfort" in chat.text("does it hurt?")


@pytest.mark.server
def test_noting_a_factor_apologises_instead_of_a_false_ack(
    actions_down: Assistant,
) -> None:
    reply = Conversation(actions_down.url).text("I'm allergic to latex")
    assert APOLOGY in reply
    assert "I've noted this" not in reply


@pytest.mark.server
def test_failures_are_logged_in_one_line_not_a_traceback(
    actions_down: Assistant,
) -> None:
    Conversation(actions_down.url).say("help me prepare for my consultation")
    logs = actions_down.logs()
    assert "Custom action action_prep_sheet failed" in logs
    assert "Traceback" not in logs


def run_serve(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`python -m bot.serve` as `make run` runs it, with env added."""
    return subprocess.run(
        [sys.executable, "-m", "bot.serve", "--model", str(MODEL)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_WAIT_SECONDS": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *names: str) -> None:
    """Exit code 1 and a single `error:` line naming what is unreachable."""
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
    for name in names:
        assert name in errors[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert PASSWORD not in result.stderr + result.stdout


def test_unreachable_postgresql_stops_the_server_with_one_line() -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://mesoprep:{PASSWORD}@127.0.0.1:{port}/mesoprep"
    result = run_serve({"DATABASE_URL": url})
    assert_one_line_error(
        result, f"postgresql://mesoprep:***@127.0.0.1:{port}/mesoprep", "DATABASE_URL"
    )


def test_unopenable_sqlite_file_stops_the_server_with_one_line() -> None:
    result = run_serve({"DATABASE_URL": "sqlite:////proc/no/such/dir/mesoprep.db"})
    assert_one_line_error(result, "sqlite:////proc/no/such/dir/mesoprep.db")


def test_unreachable_redis_stops_the_server_with_one_line() -> None:
    port = free_port()
    result = run_serve(
        {
            "DATABASE_URL": "sqlite://",
            "REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{port}/1",
        }
    )
    assert_one_line_error(result, f"redis://:***@127.0.0.1:{port}/1", "REDIS_URL")


@pytest.mark.server
def test_plain_rasa_run_with_unreachable_database_also_fails_cleanly(
    tmp_path: Path,
) -> None:
    # Without bot.serve's check, the tracker store itself stops the server.
    credentials = tmp_path / "credentials.yml"
    generate_credentials(ROOT / "credentials.yml", credentials, env={})
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://mesoprep:{PASSWORD}@127.0.0.1:{port}/mesoprep",
        "DATABASE_WAIT_SECONDS": "1",
        "ACTION_ENDPOINT_URL": f"http://localhost:{free_port()}/webhook",
    }
    result = subprocess.run(
        [str(BIN / "rasa"), "run", "--model", str(MODEL), "--port", str(free_port())]
        + ["--endpoints", "endpoints.yml", "--credentials", str(credentials)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stderr + result.stdout  # Rasa sends stderr to stdout
    assert result.returncode == 1
    assert "error: cannot reach the database at postgresql://mesoprep:***@" in output
    assert "Traceback" not in output
    assert PASSWORD not in output
