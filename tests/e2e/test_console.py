"""The console (`/console`) and the API docs (`/v1/docs`) in headless Chromium against the local stack.

Debian's `chromium` driven by Playwright (pinned; `playwright install` is never run: it downloads its own
browsers). `.ci/run` installs chromium when it is missing; elsewhere the tests skip without it, and fail
without it under CI. `CONSOLE_SCREENSHOT=<path>` saves the console after the like (`make screenshot`).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from mixtape_client.api.events import post_events
from mixtape_client.api.users import get_profile
from mixtape_client.models import EventBatch, EventType, ListeningEvent, ProfileResponse
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.conftest import LocalStack, wait_for

# The machine's network is closed: without these Chromium waits on connections it makes on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page with what it asked for, the script errors it raised and what its CSP refused."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.page: Page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # Chromium reports what the page's Content-Security-Policy refused as console errors.
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text)
            if "Content Security Policy" in message.text
            else None,
        )
        self.base_url = base_url

    def elsewhere(self) -> list[str]:
        """Requests to any other origin (a CDN, a validator, fonts): the pages must work offline."""
        return [url for url in self.requests if not url.startswith((self.base_url + "/", "data:"))]


def _listener_with_history(stack: LocalStack) -> str:
    """A listener who played three tracks of one artist: a profile, and recommendations that are not
    the cold-start list."""
    user = f"u-console-{uuid.uuid4().hex[:8]}"
    now = int(time.time() * 1000)
    plays = [
        ListeningEvent(
            event_id=f"{user}-{n}",
            user_id=user,
            item_id=f"trk-{n:04d}",  # the demo catalog's first artist
            type_=EventType.PLAY,
            timestamp=now - 60_000 + n,
            ms_played=200_000,
        )
        for n in (1, 2, 3)
    ]
    post_events.sync(client=stack.api_client, body=EventBatch(events=plays))
    wait_for(lambda: isinstance(get_profile.sync(user, client=stack.api_client), ProfileResponse))
    return user


def _recommended(page: Page) -> list[str]:
    return page.eval_on_selector_all("#recs-list li", "rows => rows.map(row => row.dataset.itemId)")


def test_look_a_listener_up_send_a_like_and_see_the_list_change(local_stack: LocalStack, browser: Browser):
    user = _listener_with_history(local_stack)
    watched = Watched(browser, local_stack.base_url)
    page = watched.page
    page.goto(f"{local_stack.base_url}/console")
    page.evaluate("window.consoleReady")  # the local dev token is fetched and filled in
    assert page.input_value("#token")
    assert "local dev token" in page.inner_text("#token-note")

    page.fill("#user-id", user)
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector("#recs-list li")
    assert page.inner_text("#profile-counts [data-key=play] dd") == "3"
    assert page.locator("#chart-artists .row").count() >= 1
    assert page.locator("#recent-list li").count() == 3
    assert "cold start" not in page.inner_text("#recs-meta")
    page.wait_for_selector("#versions [data-key='catalog version']")
    before = _recommended(page)
    liked = before[0]

    page.click(f"#recs-list li[data-item-id='{liked}'] button[data-action=like]")
    page.wait_for_selector("#recs-change:not([hidden])")

    after = _recommended(page)
    assert after != before
    assert liked not in after  # a liked track is known: it leaves the list
    assert page.inner_text("#profile-counts [data-key=like] dd") == "1"
    new_rows = page.locator("#recs-list li.new").count()
    assert new_rows == len(set(after) - set(before)) > 0
    # The API agrees with what the page shows.
    profile = get_profile.sync(user, client=local_stack.api_client)
    assert isinstance(profile, ProfileResponse)
    assert profile.counts.additional_properties["like"] == 1

    page.click(f"#recs-list li[data-item-id='{after[0]}'] button[data-action=similar]")
    page.wait_for_selector("#similar-list li")
    assert page.input_value("#item-id") == after[0]

    if target := os.environ.get("CONSOLE_SCREENSHOT"):
        page.screenshot(path=str(Path(target)), full_page=True)
    assert watched.errors == []
    assert watched.elsewhere() == []


def test_the_console_without_a_token_names_the_refusal(local_stack: LocalStack, browser: Browser):
    watched = Watched(browser, local_stack.base_url)
    page = watched.page
    page.goto(f"{local_stack.base_url}/console")
    page.evaluate("window.consoleReady")
    page.fill("#token", "not-a-token")
    page.click("#token-form button[type=submit]")
    page.fill("#user-id", "u-anyone")
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector("#status.error")
    assert "Unauthorized" in page.inner_text("#status")
    assert page.locator("#recs-list li").count() == 0


def test_the_api_docs_render_from_the_layer_alone(local_stack: LocalStack, browser: Browser):
    watched = Watched(browser, local_stack.base_url)
    page = watched.page
    page.goto(f"{local_stack.base_url}/v1/docs")
    page.wait_for_selector(".opblock")
    paths = page.eval_on_selector_all(".opblock-summary-path", "nodes => nodes.map(n => n.dataset.path)")
    assert "/v1/users/{user_id}/recommendations" in paths
    assert "/v1/events" in paths
    assert watched.errors == []
    assert watched.elsewhere() == []
