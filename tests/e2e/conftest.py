"""Browser journeys: Debian's chromium driven by Playwright against `live_server`, a real `db_worker`
process and this server's sandbox as Marketing Cloud.

Chromium comes from Debian (`make test` installs it with apt when it can); never a downloaded browser.
Without it these tests skip, except under CI=true, where they fail."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the tests still use the ORM synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
expect.set_options(timeout=15_000)  # a first request on a cold test server can take seconds
SCREENSHOTS = Path(__file__).parent / "screenshots"
# Controls without a name in the accessibility tree, as Playwright's aria snapshot writes them.
_UNNAMED_CONTROL = re.compile(r"^\s*- (textbox|combobox|checkbox|spinbutton|listbox|radio|searchbox)\s*(\[.*\])?:?\s*$")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()):
        message = f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}


# A 1x1 PNG for images on remote hosts: the machine has no internet, and the preview loads the
# https URLs a marketer typed. Only those remote image hosts are answered this way.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cf"
    "c0f01f0005000201a5f6e3e80000000049454e44ae426082"
)


@pytest.fixture
def page(page):
    """A page that records JavaScript errors; the test fails if any page logged one."""
    page.route("https://**/*", lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL))
    errors: list[str] = []

    def on_console(message):
        # A page served with an error status (the "no access" page is a 403) is logged by Chromium as a
        # failed resource; that is the HTTP answer the test asserts, not a JavaScript error.
        document_status = message.text.startswith("Failed to load resource") and message.location.get("url") == page.url
        if message.type == "error" and not document_status:
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(30_000)
    yield page
    assert errors == [], f"JavaScript errors: {errors}"


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def assert_controls_labelled(page) -> None:
    """Every form control on the page has a name in the accessibility tree."""
    snapshot = page.locator("body").aria_snapshot()
    unnamed = [line.strip() for line in snapshot.splitlines() if _UNNAMED_CONTROL.match(line)]
    assert not unnamed, f"controls without a label on {page.url}: {unnamed}"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


LONG_ID = "U" + "4f3c2a1b" * 12  # an unbroken 97-character recipient id


@pytest.fixture
def crowded_lists(marketer, line_draft, messenger_draft):
    """Sends and deliveries that stretch a list: a 97-character recipient id, a long error, a long
    customer reference. Returns the LINE draft."""
    from messages.models import Delivery
    from messages.services import send_create

    send = send_create(draft=line_draft, recipients=[(LONG_ID, ""), ("U2", "")], user=marketer)
    Delivery.objects.filter(send=send, ott_id=LONG_ID).update(
        status="failed", error_message="The request failed with a server error (HTTP 500) " * 3
    )
    send_create(draft=messenger_draft, recipients=[("", "ref-" + "x" * 90)], user=marketer)
    return line_draft
