"""Serve the website chat widget from the Rasa server itself.

The widget talks to the REST channel (/webhooks/rest/webhook); this channel
only serves its static files, so the whole embed is one tag on any page:

    <script src="https://bot.example/webhooks/widget/widget.js"
            data-server="https://bot.example"></script>

Enable it in credentials.yml, naming the directory of its files (web/widget
in this repository; relative to the project root):

    bot.channels.widget.WidgetChannel:
      directory: web/widget

Routes (Rasa mounts the blueprint under /webhooks/widget):
    GET /webhooks/widget/widget.js   the script
    GET /webhooks/widget/widget.css  its styles, which the script injects
    GET /webhooks/widget/demo        a demo page that embeds the widget
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.paths import ROOT, WIDGET_DIR
from bot.settings import safety_numbers

# Short caching: browsers revalidate within minutes after a deploy, while a
# page that embeds the widget does not re-download it on every navigation.
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Asset:
    """One static file held in memory with the headers it is served with."""

    body: bytes
    content_type: str

    def serve(self) -> HTTPResponse:
        """An HTTP response for this file."""
        return response.raw(
            self.body,
            content_type=self.content_type,
            headers={
                "Cache-Control": CACHE_CONTROL,
                # Stops browsers from guessing another type for the bytes.
                "X-Content-Type-Options": "nosniff",
            },
        )


# Route name -> (file in WIDGET_DIR, content type).
ASSET_FILES: dict[str, tuple[str, str]] = {
    "widget.js": ("widget.js", "application/javascript; charset=utf-8"),
    "widget.css": ("widget.css", "text/css; charset=utf-8"),
    "demo": ("demo.html", "text/html; charset=utf-8"),
}


# Where widget.js takes the server's settings (an empty object in the file).
SETTINGS_PLACEHOLDER = b"/*mesoprep-settings*/{}/*end-settings*/"
# Environment variable -> the widget's setting: what it shows when it
# cannot reach the server.
WIDGET_SETTINGS = {"EMERGENCY_NUMBER": "emergency_number"}


def widget_settings(environ: Mapping[str, str]) -> bytes:
    """The settings (the region's numbers unless set) as a JavaScript literal."""
    numbers = safety_numbers(environ)
    settings = {key: numbers[variable] for variable, key in WIDGET_SETTINGS.items()}
    # JSON is a JavaScript literal; "<" escaped so no "</script>" can appear.
    return json.dumps(settings).replace("<", "\\u003c").encode()


def load_assets(
    directory: Path = WIDGET_DIR, environ: Mapping[str, str] = os.environ
) -> dict[str, Asset]:
    """Read the widget's files once, so requests never touch the disk.

    The script gets the deployment's settings written in. A missing file
    raises here, at server start-up, rather than on the first request from
    a visitor.
    """
    assets = {
        route: Asset((directory / filename).read_bytes(), content_type)
        for route, (filename, content_type) in ASSET_FILES.items()
    }
    script = assets["widget.js"]
    body = script.body.replace(SETTINGS_PLACEHOLDER, widget_settings(environ), 1)
    assets["widget.js"] = Asset(body, script.content_type)
    return assets


class WidgetChannel(InputChannel):
    """Static files of the web chat widget; messages go to the REST channel."""

    def __init__(self, directory: Path = WIDGET_DIR) -> None:
        """Load the widget's files from directory (web/widget by default)."""
        self.assets = load_assets(directory)

    @classmethod
    def name(cls) -> str:
        """URL prefix under /webhooks/ and the key Rasa knows the channel by."""
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WidgetChannel:
        """Build the channel from its one setting, the directory of its files.

        A relative `directory` is taken from the project root, so the server
        finds the files whatever directory it was started from.
        """
        directory = Path((credentials or {}).get("directory") or WIDGET_DIR)
        return cls(directory if directory.is_absolute() else ROOT / directory)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Routes serving the widget's files; on_new_message is not used."""
        widget = Blueprint("mesoprep_widget", __name__)

        def add_route(route: str, asset: Asset) -> None:
            async def serve(request: Request) -> HTTPResponse:
                return asset.serve()

            # Sanic needs a distinct handler name per route of a blueprint.
            widget.add_route(
                serve, f"/{route}", methods=["GET"], name=route.replace(".", "_")
            )

        for route, asset in self.assets.items():
            add_route(route, asset)
        return widget
