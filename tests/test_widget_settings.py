"""The widget carries the emergency number for when it cannot reach the server."""

from __future__ import annotations

from bot.channels.widget import SETTINGS_PLACEHOLDER, load_assets
from bot.paths import WIDGET_DIR


def test_the_script_has_a_place_for_the_settings() -> None:
    assert SETTINGS_PLACEHOLDER in (WIDGET_DIR / "widget.js").read_bytes()


def test_the_configured_emergency_number_is_written_in() -> None:
    script = load_assets(WIDGET_DIR, {"EMERGENCY_NUMBER": "999"})["widget.js"].body
    assert b"/*mesoprep-settings*/" not in script
    assert b'{"emergency_number": "999"}' in script


def test_without_settings_the_script_has_the_regions_number() -> None:
    script = load_assets(WIDGET_DIR, {})["widget.js"].body
    assert b'{"emergency_number": "999"}' in script  # no REGION: the UK's
    script = load_assets(WIDGET_DIR, {"REGION": "au"})["widget.js"].body
    assert b'{"emergency_number": "000"}' in script


def test_a_setting_cannot_close_the_script() -> None:
    script = load_assets(WIDGET_DIR, {"EMERGENCY_NUMBER": "</script>999"})[
        "widget.js"
    ].body
    assert b'{"emergency_number": "\\u003c/script>999"}' in script
