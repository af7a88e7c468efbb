"""The website chat widget in real headless Chromium, against the live server.

Each test gets a fresh browser context (so its own localStorage and sender
id), mostly on the demo page that the widget channel serves; the assistant
and the action server come from the session fixture assistant_url.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.paths import ROOT

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture fails with install instructions
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Locator, Page, Route

pytestmark = pytest.mark.server

SCREENSHOTS = ROOT / "results" / "screenshots"
WIDGET_PATH = "/webhooks/widget"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
XSS = "<img src=x onerror=alert(1)>"
PREP_REQUEST = "help me prepare for my consultation"
# Elements whose text must reach 4.5:1 against the background behind them.
CONTRAST_TARGETS = [
    ".mp-launcher",
    ".mp-title",
    ".mp-header-button",
    ".mp-disclosure",
    ".mp-bot .mp-text",
    ".mp-citation",
    ".mp-user .mp-text",
    ".mp-reply",
    ".mp-send",
    ".mp-input",
]


def closed_port() -> int:
    """A local TCP port that nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Widget:
    """A browser tab with the chat widget, and what went wrong in it."""

    page: Page
    base_url: str
    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def record_message_bodies(self) -> list[dict[str, Any]]:
        """From now on, the JSON body of every message the widget posts."""
        bodies: list[dict[str, Any]] = []

        def record(request: Any) -> None:
            if request.url.endswith("/webhooks/rest/webhook"):
                bodies.append(json.loads(request.post_data or "{}"))

        self.page.on("request", record)
        return bodies

    def goto_demo(self) -> None:
        """Load the demo clinic page served by the widget channel."""
        self.page.goto(f"{self.base_url}{WIDGET_PATH}/demo")
        self.launcher.wait_for()

    def goto_page_with_tag(self, data_attrs: str) -> None:
        """Load a page (on the server's origin) whose only embed is the tag.

        data_attrs goes into the tag as is, e.g. 'data-server="http://..."'.
        """
        url = f"{self.base_url}/test-page"
        html = (
            "<!doctype html><html lang='en'><head><title>Test page</title></head>"
            "<body><h1>Another site</h1>"
            f'<script src="{self.base_url}{WIDGET_PATH}/widget.js" {data_attrs}>'
            "</script></body></html>"
        )
        self.page.route(
            url, lambda route: route.fulfill(body=html, content_type="text/html")
        )
        self.page.goto(url)
        self.launcher.wait_for()

    @property
    def launcher(self) -> Locator:
        """The button that opens the panel."""
        return self.page.get_by_role("button", name="Ask a question")

    @property
    def panel(self) -> Locator:
        """The chat panel (a non-modal dialog)."""
        return self.page.locator("#mesoprep-widget-panel")

    @property
    def log(self) -> Locator:
        """The conversation, an ARIA live log."""
        return self.page.get_by_role("log", name="Conversation")

    @property
    def input(self) -> Locator:
        """The message text box."""
        return self.page.get_by_role("textbox", name="Your message")

    @property
    def bot_messages(self) -> Locator:
        """The assistant's text bubbles."""
        return self.log.locator(".mp-bot")

    @property
    def user_messages(self) -> Locator:
        """The person's bubbles."""
        return self.log.locator(".mp-user")

    @property
    def error(self) -> Locator:
        """The connection problem notice."""
        return self.panel.get_by_role("alert")

    @property
    def retry(self) -> Locator:
        """The notice's Retry button."""
        return self.panel.get_by_role("button", name="Retry")

    def open(self) -> None:
        """Open the panel with the launcher."""
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def wait_idle(self) -> None:
        """Wait until no message is in flight (the typing indicator is gone)."""
        expect(self.page.locator(".mp-panel.mp-busy")).to_have_count(0)

    def open_and_wait_for_greeting(self) -> None:
        """Open the panel and wait for the assistant's first message."""
        self.open()
        expect(self.bot_messages.first).to_be_visible()
        self.wait_idle()

    def send(self, text: str) -> None:
        """Type a message and press Enter, then wait for the answer."""
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_idle()

    def storage(self, name: str) -> Any:
        """A value the widget keeps in localStorage (parsed JSON, or None)."""
        return self.page.evaluate(
            """name => {
                const key = Object.keys(localStorage).find(
                    k => k.startsWith('mesoprep-widget:') && k.endsWith(':' + name));
                return key ? JSON.parse(localStorage.getItem(key)) : null;
            }""",
            name,
        )

    def screenshot(self, name: str) -> Path:
        """Save a screenshot under results/screenshots (a test artifact)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path))
        return path


def open_tab(context: BrowserContext, base_url: str) -> Widget:
    """A tab that records dialogs (dismissing them) and uncaught errors."""
    page = context.new_page()
    tab = Widget(page=page, base_url=base_url)

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: tab.page_errors.append(str(error)))
    return tab


@pytest.fixture
def widget(
    new_context: Callable[..., BrowserContext], assistant_url: str
) -> Iterator[Widget]:
    """A desktop-sized tab; the test fails on uncaught script errors."""
    tab = open_tab(new_context(viewport=DESKTOP), assistant_url)
    yield tab
    assert not tab.page_errors, f"uncaught script errors: {tab.page_errors}"


@pytest.fixture
def phone_widget(
    new_context: Callable[..., BrowserContext], assistant_url: str
) -> Iterator[Widget]:
    """A phone-sized touch tab."""
    context = new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    tab = open_tab(context, assistant_url)
    yield tab
    assert not tab.page_errors, f"uncaught script errors: {tab.page_errors}"


def test_assets_are_served_with_their_content_types(assistant_url: str) -> None:
    expected = {
        "widget.js": "application/javascript",
        "widget.css": "text/css",
        "demo": "text/html",
    }
    for route, content_type in expected.items():
        url = f"{assistant_url}{WIDGET_PATH}/{route}"
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith(content_type), url
            assert response.read()


def test_answer_shows_its_section_citation(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    expect(widget.panel).to_contain_text("Automated assistant, not a clinician")

    widget.send("does it hurt?")

    expect(widget.user_messages.last).to_contain_text("does it hurt?")
    answer = widget.bot_messages.last
    expect(answer).to_contain_text("injections into the scalp")
    citation = answer.locator(".mp-citation")
    expect(citation).to_have_text("Source: Pain and Discomfort")
    # The citation is its own element, not part of the answer's body text,
    # each line of the answer is its own paragraph, and the assistant's own
    # advice comes after the citation, labelled and styled apart from what
    # the guide says.
    body = answer.locator(".mp-text")
    expect(body).to_have_count(1)
    assert "Source:" not in " ".join(body.all_inner_texts())
    advice = answer.locator(".mp-advice")
    expect(advice.locator(".mp-advice-label")).to_have_text(
        "Assistant's advice (not from the guide):"
    )
    expect(advice).to_contain_text("ask the practitioner")
    order = answer.locator(".mp-text, .mp-citation, .mp-advice").evaluate_all(
        "nodes => nodes.map(node => node.className)"
    )
    assert order == ["mp-text", "mp-citation", "mp-advice"]
    styles = answer.evaluate(
        "node => ['.mp-text', '.mp-advice'].map(s => "
        "getComputedStyle(node.querySelector(s)).borderLeftStyle)"
    )
    assert styles == ["none", "solid"], "advice looks like the guide's text"


def test_topic_button_sends_its_payload_and_shows_its_title(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()

    widget.log.get_by_role("button", name="How many sessions?").click()
    widget.wait_idle()

    expect(widget.user_messages.last).to_contain_text("How many sessions?")
    expect(widget.user_messages.last).not_to_contain_text("/ask_sessions")
    expect(widget.bot_messages.last.locator(".mp-citation")).to_have_text(
        "Source: Multiple Sessions Required"
    )


def test_conversation_survives_a_reload(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.send("does it hurt?")
    sender = widget.storage("sender")

    widget.page.reload()

    # The panel stays open in this tab and the history is back.
    expect(widget.panel).to_be_visible()
    expect(widget.user_messages).to_have_count(1)
    expect(widget.user_messages.first).to_contain_text("does it hurt?")
    expect(widget.log.locator(".mp-citation").last).to_have_text(
        "Source: Pain and Discomfort"
    )
    assert widget.storage("sender") == sender
    # The restored topic buttons still work.
    widget.log.get_by_role("button", name="Is it expensive?").click()
    widget.wait_idle()
    expect(widget.bot_messages.last.locator(".mp-citation").first).to_contain_text(
        "Expensive Maintenance"
    )


def test_start_over_clears_history_and_changes_sender(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.send("does it hurt?")
    sender = widget.storage("sender")

    widget.panel.get_by_role("button", name="Start over").click()
    widget.wait_idle()

    expect(widget.user_messages).to_have_count(0)
    expect(widget.bot_messages).to_have_count(1)  # a fresh greeting
    assert widget.storage("sender") != sender
    widget.page.reload()
    expect(widget.user_messages).to_have_count(0)


def test_markup_in_a_message_is_shown_as_text(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()

    widget.send(XSS)
    widget.page.wait_for_timeout(500)  # time for an onerror handler to fire

    expect(widget.user_messages.last.locator(".mp-text")).to_have_text(XSS)
    assert widget.log.locator("img").count() == 0
    assert widget.dialogs == []


def test_markup_from_the_server_is_shown_as_text(widget: Widget) -> None:
    """Bot text, button titles and the sheet are text too, whatever they hold."""
    hostile = [
        {"text": "<b>bold?</b><script>alert(2)</script>\nSource: <i>x</i>"},
        {"text": "Pick one", "buttons": [{"title": XSS, "payload": "/ask_pain"}]},
        {
            "custom": {
                "type": "prep_sheet",
                "title": "<img src=y onerror=alert(3)>",
                "sections": [{"heading": "<h1>h</h1>", "items": [XSS]}],
                "reminder": "<script>alert(4)</script>",
            }
        },
    ]
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.page.route(
        f"{widget.base_url}/webhooks/rest/webhook",
        lambda route: route.fulfill(json=hostile),
    )

    widget.send("anything")
    widget.page.wait_for_timeout(500)

    expect(widget.log).to_contain_text("<b>bold?</b><script>alert(2)</script>")
    expect(widget.log.get_by_role("button", name=XSS)).to_be_visible()
    expect(widget.log.locator(".mp-sheet")).to_contain_text(
        "<img src=y onerror=alert(3)>"
    )
    for tag in ("img", "script", "b", "i", "h1"):
        assert widget.log.locator(tag).count() == 0, tag
    assert widget.dialogs == []


def test_every_message_declares_the_sheet_capability(widget: Widget) -> None:
    bodies = widget.record_message_bodies()
    widget.goto_demo()
    widget.open_and_wait_for_greeting()  # the silent greeting
    widget.send("does it hurt?")  # a typed message
    widget.log.get_by_role("button", name="Is it expensive?").click()  # a button
    widget.wait_idle()

    assert len(bodies) == 3
    assert [b["message"] for b in bodies[1:]] == ["does it hurt?", "/ask_cost"]
    for body in bodies:
        assert body["metadata"] == {"renders": ["prep_sheet"]}


def test_replies_render_as_sent_without_guessing(widget: Widget) -> None:
    """Text is shown as text even when it reads like the sheet; the payload
    is the sheet. The widget drops nothing the server sent."""
    sheet = {
        "type": "prep_sheet",
        "title": "Your consultation prep sheet",
        "sections": [{"heading": "Questions every patient should ask:", "items": []}],
        "reminder": "Bring this with you.",
    }
    replies = [
        {"text": "Your consultation prep sheet"},
        {"text": "Bring this with you."},
        {"custom": sheet},
    ]
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.page.route(
        f"{widget.base_url}/webhooks/rest/webhook",
        lambda route: route.fulfill(json=replies),
    )

    widget.send("anything")

    # The sheet once, and each text reply once as a plain text paragraph.
    expect(widget.log.locator(".mp-sheet")).to_have_count(1)
    paragraphs = widget.log.locator(".mp-text")
    title = re.compile(r"^Your consultation prep sheet$")
    expect(paragraphs.filter(has_text=title)).to_have_count(1)
    expect(paragraphs.filter(has_text="Bring this with")).to_have_count(1)


def test_keyboard_only(widget: Widget) -> None:
    widget.goto_demo()
    page = widget.page
    for _ in range(40):
        page.keyboard.press("Tab")
        if widget.launcher.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the launcher")
    ring = widget.launcher.evaluate("el => getComputedStyle(el).boxShadow")
    assert ring != "none", "the focused launcher shows a focus ring"

    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    widget.wait_idle()
    page.keyboard.type("does it hurt?")
    page.keyboard.press("Enter")
    widget.wait_idle()
    expect(widget.log.locator(".mp-citation").last).to_have_text(
        "Source: Pain and Discomfort"
    )

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_controls_are_labelled_and_the_log_is_live(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()

    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    unnamed = widget.page.evaluate(
        """() => [...document.querySelectorAll('#mesoprep-widget button,'
                                             + ' #mesoprep-widget input')]
            .filter(el => !(el.getAttribute('aria-label') || el.textContent).trim())
            .map(el => el.outerHTML)"""
    )
    assert unnamed == []


def test_text_contrast_meets_wcag_aa(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.send("does it hurt?")

    ratios = widget.page.evaluate(
        """selectors => {
            const rgb = c => c.match(/[\\d.]+/g).map(Number);
            const lum = c => {
                const [r, g, b] = rgb(c).slice(0, 3).map(v => {
                    v /= 255;
                    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const background = el => {
                for (; el; el = el.parentElement) {
                    const c = getComputedStyle(el).backgroundColor;
                    if (rgb(c)[3] !== 0) return c;
                }
                return 'rgb(255, 255, 255)';
            };
            const out = {};
            for (const s of selectors) {
                const el = document.querySelector(s);
                if (!el) { out[s] = null; continue; }
                const a = lum(getComputedStyle(el).color), b = lum(background(el));
                out[s] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            }
            return out;
        }""",
        CONTRAST_TARGETS,
    )
    low = {s: r for s, r in ratios.items() if r is None or r < 4.5}
    assert not low, f"below 4.5:1 (or missing): {low}"


def test_server_down_says_so_and_keeps_the_message(widget: Widget) -> None:
    widget.goto_page_with_tag(f'data-server="http://127.0.0.1:{closed_port()}"')
    widget.open()
    widget.wait_idle()
    # Even the greeting could not be fetched: the panel says so.
    expect(widget.error).to_contain_text("Can’t reach the assistant")

    widget.send("does it hurt?")

    expect(widget.error).to_be_visible()
    expect(widget.retry).to_be_visible()
    failed = widget.user_messages.last
    expect(failed).to_contain_text("does it hurt?")
    expect(failed).to_contain_text("Not sent")
    expect(widget.input).to_have_value("does it hurt?")
    widget.screenshot("widget-offline.png")

    widget.retry.click()  # still down: nothing lost, nothing duplicated
    widget.wait_idle()
    expect(widget.retry).to_be_visible()
    expect(widget.user_messages).to_have_count(1)
    expect(widget.input).to_have_value("does it hurt?")

    widget.page.reload()  # the failed message and the draft survive a reload
    expect(widget.user_messages).to_have_count(1)
    expect(widget.input).to_have_value("does it hurt?")
    expect(widget.retry).to_be_visible()


def test_retry_resends_the_failed_message(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    failures: list[str] = []

    def fail_once(route: Route) -> None:
        if not failures:
            failures.append(route.request.post_data or "")
            route.abort("connectionrefused")
        else:
            route.continue_()

    widget.page.route(f"{widget.base_url}/webhooks/rest/webhook", fail_once)
    widget.send("does it hurt?")
    expect(widget.retry).to_be_visible()
    assert json.loads(failures[0])["message"] == "does it hurt?"

    widget.retry.click()
    widget.wait_idle()

    expect(widget.error).to_be_hidden()
    expect(widget.user_messages).to_have_count(1)
    expect(widget.user_messages.last).not_to_contain_text("Not sent")
    expect(widget.log.locator(".mp-citation").last).to_have_text(
        "Source: Pain and Discomfort"
    )
    expect(widget.input).to_have_value("")


def test_slow_server_times_out_with_retry(widget: Widget) -> None:
    # The server origin is real, but its webhook holds every request.
    held: list[Route] = []
    widget.page.route(
        f"{widget.base_url}/webhooks/rest/webhook", lambda r: held.append(r)
    )
    widget.goto_page_with_tag(f'data-server="{widget.base_url}" data-timeout="1500"')
    widget.open()

    expect(widget.error).to_contain_text("taking too long")
    expect(widget.retry).to_be_visible()
    assert held, "the greeting was requested"
    for route in held:  # release them: the widget has given up already
        with contextlib.suppress(Exception):
            route.abort()


def test_prep_sheet_renders_with_print_and_download(
    widget: Widget, tmp_path: Path
) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.send("does it hurt?")
    bodies = widget.record_message_bodies()

    widget.send(PREP_REQUEST)

    # The widget declares that it renders the sheet, so the server sends it
    # once, as the payload only: one card and no text copy of it.
    assert bodies and bodies[-1]["metadata"] == {"renders": ["prep_sheet"]}
    sheet = widget.log.locator(".mp-sheet")
    expect(sheet).to_have_count(1)
    expect(sheet.get_by_role("heading", level=3)).to_have_text(
        "Your consultation prep sheet"
    )
    expect(sheet.locator("li").first).to_contain_text("(Pain and Discomfort)")
    for part in ("Your consultation prep sheet", "Questions every patient should ask"):
        expect(widget.bot_messages.filter(has_text=part)).to_have_count(0)

    widget.screenshot("widget-sheet.png")

    widget.page.reload()  # the sheet comes back from history, still once
    expect(sheet).to_have_count(1)
    expect(sheet.locator("li").first).to_contain_text("(Pain and Discomfort)")
    for part in ("Your consultation prep sheet", "Questions every patient should ask"):
        expect(widget.bot_messages.filter(has_text=part)).to_have_count(0)

    with widget.page.expect_download() as download_info:
        sheet.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".txt")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("Your consultation prep sheet")
    assert "(Pain and Discomfort)" in text

    widget.page.evaluate("window.print = () => { window.printCalls = 1; }")
    sheet.get_by_role("button", name="Print").click()
    assert widget.page.evaluate("window.printCalls") == 1
    widget.page.emulate_media(media="print")
    print_area = widget.page.locator(".mp-print-area")
    expect(print_area).to_be_visible()
    expect(print_area).to_contain_text("(Pain and Discomfort)")
    expect(print_area.get_by_role("button")).to_have_count(0)
    expect(widget.page.locator("#mesoprep-widget")).to_be_hidden()
    expect(widget.page.locator("header.site-header")).to_be_hidden()
    widget.screenshot("widget-print.png")


def test_screenshot_desktop(widget: Widget) -> None:
    widget.goto_demo()
    widget.open_and_wait_for_greeting()
    widget.send("does it hurt?")
    widget.input.fill("what are the side effects?")
    path = widget.screenshot("widget.png")
    assert path.stat().st_size > 10_000


def test_phone_panel_is_full_screen(phone_widget: Widget) -> None:
    phone_widget.goto_demo()
    phone_widget.open_and_wait_for_greeting()
    phone_widget.send("does it hurt?")

    box = phone_widget.panel.bounding_box()
    assert box is not None
    assert (box["x"], box["y"]) == (0, 0)
    assert (box["width"], box["height"]) == (PHONE["width"], PHONE["height"])
    expect(phone_widget.launcher).to_be_hidden()
    path = phone_widget.screenshot("widget-phone.png")
    assert path.stat().st_size > 10_000

    phone_widget.panel.get_by_role("button", name="Close the chat").click()
    expect(phone_widget.launcher).to_be_focused()
