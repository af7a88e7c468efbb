"""The clinic page in headless Chromium: signed in by keyboard, charts drawn,
and no WCAG 2.1 AA violation that axe-core finds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from tests.conftest import CLINIC_TOKEN
from tests.support.rest import Conversation

pytestmark = pytest.mark.server

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
}


# A phone (390 px wide) and a laptop (1366 px).
VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1366, "height": 768}]
# The smallest chart text, as drawn on screen, still readable on a phone.
MIN_CHART_TEXT_PX = 11


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_the_clinic_page_by_keyboard_with_charts_and_no_axe_violation(
    clinic_url: str, new_context: Callable[..., BrowserContext], viewport: dict
) -> None:
    for question in ("does it hurt?", "can I fly after my session?", "how much is it?"):
        Conversation(clinic_url).text(question)
    page = new_context(viewport=viewport).new_page()
    page.goto(f"{clinic_url}/clinic/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Clinic token")).to_be_focused()
    page.keyboard.type(CLINIC_TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("What people ask")

    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )
    charts = page.locator("figure.chart svg")
    assert charts.count() >= 3
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    smallest_text = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('figure.chart svg text')]"
        ".filter(t => t.textContent.trim())"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest_text >= MIN_CHART_TEXT_PX
    assert page.locator("figure.chart svg rect, figure.chart svg path").count() > 10

    # Every control is reachable by keyboard: the dates, Show, the exports and
    # each chart's table of numbers.
    reached = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        reached.add(
            page.evaluate(
                "() => document.activeElement.id || "
                "document.activeElement.textContent.trim()"
            )
        )
    assert {"start", "end", "Show", "Download CSV", "Download JSON"} <= reached
    assert any(name.endswith("the numbers") for name in reached)

    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()
