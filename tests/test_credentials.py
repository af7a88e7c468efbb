"""credentials.yml -> the file Rasa runs with: channels on only when configured."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from bot.channels import credentials
from bot.paths import ROOT

SOURCE = ROOT / "credentials.yml"
ALWAYS_ON = [
    "bot.channels.rest.RestInput",
    "socketio",
    "bot.channels.widget.WidgetChannel",
    # Always registered; its page exists only when CLINIC_TOKEN is set.
    "bot.channels.clinic.ClinicChannel",
]
TELEGRAM = "bot.channels.telegram.TelegramInput"
TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": "123456:ABC-token",
    "TELEGRAM_BOT_USERNAME": "mesoprep_bot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example/webhooks/telegram/webhook",
}


def generate(
    tmp_path: Path, env: dict[str, str]
) -> tuple[credentials.ChannelPlan, dict]:
    target = tmp_path / "run" / "credentials.yml"
    plan = credentials.generate(SOURCE, target, env)
    return plan, yaml.safe_load(target.read_text(encoding="utf-8"))


def test_no_variables_enable_only_rest_socketio_and_widget(tmp_path: Path) -> None:
    plan, written = generate(tmp_path, {})
    assert list(written) == ALWAYS_ON
    assert written["socketio"] == {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    }
    assert plan.notes() == []
    assert plan.summary() == "Channels enabled: " + ", ".join(ALWAYS_ON)


def test_telegram_variables_enable_telegram_with_their_values(tmp_path: Path) -> None:
    _, written = generate(tmp_path, TELEGRAM_ENV)
    assert list(written) == [*ALWAYS_ON, TELEGRAM]
    assert written[TELEGRAM] == {
        "access_token": "123456:ABC-token",
        "verify": "mesoprep_bot",
        "webhook_url": "https://bot.example/webhooks/telegram/webhook",
    }


def test_partly_set_channel_is_off_with_a_note_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in TELEGRAM_ENV.items() if k != "TELEGRAM_WEBHOOK_URL"}
    plan, written = generate(tmp_path, env)
    assert TELEGRAM not in written
    assert plan.notes() == [f"{TELEGRAM} disabled: TELEGRAM_WEBHOOK_URL not set"]


def test_empty_value_counts_as_unset(tmp_path: Path) -> None:
    # What a copied .env.example with blank lines sets.
    plan, written = generate(tmp_path, {**TELEGRAM_ENV, "TELEGRAM_TOKEN": ""})
    assert TELEGRAM not in written
    assert plan.notes() == [f"{TELEGRAM} disabled: TELEGRAM_TOKEN not set"]


def test_every_channel_can_be_enabled(tmp_path: Path) -> None:
    names = credentials.placeholders(credentials.read_channels(SOURCE))
    _, written = generate(tmp_path, {name: f"value-of-{name}" for name in names})
    assert len(written) == len(ALWAYS_ON) + 5
    assert "${" not in yaml.safe_dump(written)


def test_placeholder_inside_a_longer_string_is_expanded() -> None:
    plan = credentials.plan_channels(
        {"x": {"url": "https://${HOST}/hook", "n": 3}}, {"HOST": "bot.example"}
    )
    assert plan.enabled == {"x": {"url": "https://bot.example/hook", "n": 3}}


def test_values_that_look_like_numbers_stay_strings(tmp_path: Path) -> None:
    env = {
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "12345",
        "TWILIO_SMS_NUMBER": "+15551234567",
        "TWILIO_SMS_WEBHOOK_URL": "https://bot.example/webhooks/twilio/webhook",
    }
    _, written = generate(tmp_path, env)
    sms = written["bot.channels.twilio.TwilioInput"]
    assert sms["auth_token"] == "12345" and sms["twilio_number"] == "+15551234567"


def test_output_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "credentials.yml"
    target.write_text("old")
    target.chmod(0o644)
    credentials.generate(SOURCE, target, TELEGRAM_ENV)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_command_line_prints_one_line_and_notes_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name in credentials.placeholders(credentials.read_channels(SOURCE)):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    target = tmp_path / "credentials.yml"
    assert credentials.main([str(SOURCE), str(target)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["Channels enabled: " + ", ".join(ALWAYS_ON)]
    assert "bot.channels.slack.SlackInput disabled: SLACK_SIGNING_SECRET not set" in err
    assert target.exists()


def test_command_line_without_arguments_shows_usage(
    capsys: pytest.CaptureFixture,
) -> None:
    assert credentials.main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_env_example_lists_every_variable() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = {
        line.lstrip("# ").split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and line.lstrip("# ")[:1].isupper()
    }
    needed = set(credentials.placeholders(credentials.read_channels(SOURCE)))
    needed |= {
        "ACTION_ENDPOINT_URL",
        "CLINIC_NAME",
        "CLINIC_PHONE",
        "CLINIC_EMAIL",
        "CLINIC_BOOKING_URL",
        "EMERGENCY_NUMBER",
        "CRISIS_LINE",
    }
    assert needed <= listed, f"missing from .env.example: {sorted(needed - listed)}"
