"""Run a coroutine from a test, whatever event loop the test session has.

Playwright's sync API keeps an event loop running in the main thread once a
browser test has run, and asyncio.run() refuses to start inside it; a
separate thread always has none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the coroutine to completion in its own thread and loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
