"""compose.yml as both docker compose and podman-compose 1.0 read it."""

from __future__ import annotations

import yaml

from bot.paths import ROOT

COMPOSE = yaml.safe_load((ROOT / "compose.yml").read_text(encoding="utf-8"))


def test_every_service_but_the_assistant_has_a_health_check_as_a_string() -> None:
    """podman-compose 1.0 joins a ["CMD", ...] list into one misquoted word
    that never passes; a string runs through the shell in both tools. The
    assistant's own check comes from the image (Containerfile's HEALTHCHECK).
    """
    services = COMPOSE["services"]
    for name, service in services.items():
        if name == "assistant":
            assert "healthcheck" not in service
            continue
        test = service["healthcheck"]["test"]
        assert isinstance(test, str), f"{name}: {test!r} is not a string"


def test_the_assistant_waits_for_the_stores_to_be_healthy() -> None:
    depends = COMPOSE["services"]["assistant"]["depends_on"]
    assert depends["postgres"] == {"condition": "service_healthy"}
    assert depends["redis"] == {"condition": "service_healthy"}
    assert "HEALTHCHECK" in (ROOT / "Containerfile").read_text(encoding="utf-8")
