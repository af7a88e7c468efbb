"""The public conversation sample, run against a live server over REST."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.paths import ROOT

SHARED_EVAL = ROOT.parent / "shared" / "eval"

pytestmark = pytest.mark.server


@pytest.mark.parametrize("cases", ["sample_cases.json", "sample_cases_more.json"])
def test_public_conversation_sample_passes(assistant_url: str, cases: str) -> None:
    if not SHARED_EVAL.exists():
        pytest.skip(f"NOTICE: {SHARED_EVAL} is absent; public sample not run")
    result = subprocess.run(
        [
            sys.executable,
            str(SHARED_EVAL / "chat_eval.py"),
            "--url",
            f"{assistant_url}/webhooks/rest/webhook",
            "--cases",
            str(SHARED_EVAL / cases),
            "--json-out",
            str(ROOT / "results" / f"public_{cases}"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].endswith(" 0 failed")
