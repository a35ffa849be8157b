"""Every page passes axe-core (the copy axe-playwright-python ships) with no serious or critical
violation, at desktop and phone widths, for the role that sees it; keyboard focus is always visible."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from audiences.loading import audience_from_rows
from audiences.suppressions import suppression_add
from messages.models import Delivery
from messages.services import send_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Axe()
SERIOUS = {"serious", "critical"}


@pytest.fixture
def world(admin, marketer, line_draft):
    """One of everything a page can show: a sender, a draft, a finished send with a failure, a
    delivery, an audience and a suppression."""
    send = send_create(draft=line_draft, recipients=[("U-1", ""), ("U-2", "")], user=marketer)
    first, second = send.deliveries.order_by("id")
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENT, finished_at=timezone.now())
    Delivery.objects.filter(pk=second.pk).update(
        status=Delivery.Status.REJECTED, error_code=10002, error_message="text is required", finished_at=timezone.now()
    )
    audience = audience_from_rows(
        name="Spring list",
        network="line",
        recipients=[{"ott_id": "U-9", "user_reference": "", "vars": {"first_name": "花子"}}],
        user=marketer,
    )
    suppression_add(network="line", sender=None, ott_id="U-7", user_reference="", reason="opt_out", user=admin)
    return {
        "sender": line_draft.sender.pk,
        "draft": line_draft.pk,
        "send": send.pk,
        "delivery": first.pk,
        "audience": audience.pk,
    }


PAGES = [
    "/",
    "/senders/",
    "/senders/{sender}/",
    "/senders/{sender}/edit/",
    "/senders/{sender}/rules/",
    "/senders/register/line/",
    "/senders/register/messenger/",
    "/drafts/",
    "/drafts/new/",
    "/drafts/{draft}/",
    "/drafts/{draft}/send/",
    "/sends/",
    "/sends/scheduled/",
    "/sends/{send}/",
    "/history/",
    "/history/{delivery}/",
    "/audiences/",
    "/audiences/new/",
    "/audiences/{audience}/",
    "/suppressions/",
    "/suppressions/new/",
    "/suppressions/import/",
    "/suppressions/changes/",
    "/audit/",
    "/account/",
    "/account/tokens/",
]


def serious_violations(page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_pages_other_roles_see_pass_axe(page, live_server, approver, auditor, marketer, line_draft, world):
    """The approver's view of a send waiting for approval, the auditor's masked pages, a missing page."""
    line_draft.sender.requires_approval = True
    line_draft.sender.save()
    waiting = send_create(draft=line_draft, recipients=[("U-3", "")], user=marketer)
    found = {}
    for user, paths in (
        (approver, [f"/sends/{waiting.pk}/", "/sends/", "/sends/scheduled/"]),
        (auditor, ["/history/", "/history/{delivery}/", "/sends/{send}/", "/audit/", "/audiences/{audience}/"]),
        (marketer, ["/sends/999999/", "/senders/{sender}/"]),
    ):
        page.context.clear_cookies()
        login(page, live_server, user.username, PASSWORD)
        for path in paths:
            page.goto(f"{live_server.url}{path.format(**world)}")
            if problems := serious_violations(page):
                found[f"{user.username} {path}"] = problems
    assert found == {}, found


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_passes_axe(page, live_server, admin, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/login/")
    found = {"/login/": serious_violations(page)}
    login(page, live_server, admin.username, PASSWORD)
    for path in PAGES:
        page.goto(f"{live_server.url}{path.format(**world)}")
        found[path] = serious_violations(page)
    found = {path: problems for path, problems in found.items() if problems}
    assert found == {}, f"axe at {width} px: {found}"


def test_keyboard_focus_is_visible_on_every_control_of_the_composer(page, live_server, marketer, line_draft):
    """Tab through the composer: each control that takes focus draws an outline (or a box shadow)."""
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    unmarked = []
    for _ in range(40):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => { const e = document.activeElement; if (!e || e === document.body) return null;
                 const s = getComputedStyle(e);
                 return {tag: e.tagName, name: e.getAttribute('name') || e.textContent.trim().slice(0, 30),
                         outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                         shadow: s.boxShadow !== 'none'}; }"""
        )
        if style and not (style["outline"] or style["shadow"]):
            unmarked.append(f"{style['tag']} {style['name']}")
    assert unmarked == [], f"focused without a visible mark: {unmarked}"


def tab_to(page, name: str, *, within: str = "body") -> None:
    """Press Tab (only Tab) until the focused control is the one called `name` inside `within`."""
    for _ in range(150):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """([name, within]) => { const e = document.activeElement;
                 const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent)
                               || e.textContent;
                 return !!e.closest(within) && label.trim() === name; }""",
            [name, within],
        )
        if focused:
            return
    raise AssertionError(f"Tab never reached {name!r} in {within}")


def test_the_composer_works_by_keyboard_alone(page, live_server, marketer, line_draft):
    """Add, fill, move and remove blocks, copy the JSON and save, pressing only Tab, Enter and keys."""
    login(page, live_server, marketer.username, PASSWORD)
    page.goto(f"{live_server.url}/drafts/{line_draft.pk}/")
    tab_to(page, "Add a block")
    page.keyboard.press("Enter")
    tab_to(page, "Text", within="[data-block]:nth-of-type(2)")
    page.keyboard.type("Second")
    tab_to(page, "Move block up", within="[data-block]:nth-of-type(2)")
    page.keyboard.press("Enter")
    texts = page.locator("[data-block] textarea[name$='-text']")
    expect(texts.nth(0)).to_have_value("Second")
    expect(texts.nth(1)).to_have_value("セール 😀")
    page.locator("body").focus()
    tab_to(page, "Remove block", within="[data-block]:nth-of-type(2)")
    page.keyboard.press("Enter")
    expect(page.locator("[data-block]:visible")).to_have_count(1)
    expect(page.locator("[data-block]:visible [data-remove]")).to_be_focused()  # focus stays in the list
    # The JSON follows the form after a short pause: copy it once it shows the removal.
    expect(page.locator("#body-json")).to_contain_text("Second")
    expect(page.locator("#body-json")).not_to_contain_text("セール")
    tab_to(page, "Copy JSON")
    page.keyboard.press("Enter")
    copied = page.evaluate("window.lastCopiedText")
    assert '"text": "Second"' in copied and "セール" not in copied
    tab_to(page, "Save draft")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Saved")
