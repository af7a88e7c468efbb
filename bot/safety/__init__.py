"""Deterministic safety checks (red-flag detection), independent of Rasa."""
