"""Every page of the portal at 375 px, as the role that uses it: nothing scrolls sideways (wide tables
scroll inside their own box), checked by script, with a screenshot of each in tests/e2e/screenshots/."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audiences.loading import audience_from_csv
from audiences.suppressions import suppression_add
from messages.models import RecipientList
from messages.services import send_create
from ottportal.tokens import api_token_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import login, screenshot
from tests.urlwalk import iter_urls

pytestmark = pytest.mark.django_db(transaction=True)

# Not pages: data, partials, actions without a page of their own, and other apps' sites.
NOT_PAGES = {
    "healthz",
    "readyz",
    "metrics",
    "api-token-revoke",
    "logout",
    "draft-validate",
    "draft-preview-row",
    "draft-duplicate",
    "send-progress",
    "send-plan",
    "send-refused",
    "delivery-export",
    "import",
    "sso-start",
    "sso-callback",
    # The send page's buttons (POST only; their answers are the send page).
    "send-approve",
    "send-reject",
    "send-pause",
    "send-resume",
    "send-reschedule",
    "send-retry-failed",
    # Audiences: a CSV download and a POST-only rename.
    "refused",
    "rename",
    "suppression-export",
    "audit-export",  # a CSV download
}
OTHER_SITES = ("/api", "/admin", "/sandbox")


def _pages(objects: dict[str, object]) -> list[tuple[str, str]]:
    pages = []
    for path, name in iter_urls():
        if path.startswith(OTHER_SITES) or name in NOT_PAGES:
            continue
        path = path.replace("/register/sample/", "/register/line/")
        path = path.replace("00000000-0000-4000-8000-000000000001", str(objects["recipient_list"]))
        for prefix, key in (
            ("/senders/", "sender"),
            ("/drafts/", "draft"),
            ("/sends/", "send"),
            ("/history/", "delivery"),
            ("/audiences/", "audience"),
            ("/suppressions/", "suppression"),
        ):
            path = re.sub(rf"^{prefix}1/", f"{prefix}{objects[key]}/", path)
        pages.append((path, name))
    return pages


def test_every_page_fits_a_phone(page, live_server, admin, marketer, line_draft, line_sender):
    # A send waiting for the admin's approval, with a start time: its page shows the most (what will go
    # out, approve and reject, the new start time form), and the Scheduled page lists it.
    line_sender.requires_approval = True
    line_sender.save()
    send = send_create(
        draft=line_draft,
        recipients=[(f"U-{n}" * 8, "a-long-reference-" * 4) for n in range(3)],
        user=marketer,
        scheduled_at=timezone.now() + timedelta(days=1),
        time_zone="America/Argentina/ComodRivadavia",
    )
    pending = RecipientList.objects.create(
        draft=line_draft,
        created_by=admin,
        recipients=[["U-1", ""]],
        invalid=[[2, "x" * 300, "LINE needs an ottId"]],
        invalid_count=1,
    )
    columns = "ott_id,user_reference,first_name,a_rather_long_column_name_for_a_coupon_code,city\n"
    rows = "".join(f"U{n:032x},customer-reference-{n:012d},Name {n},SPRING-{n:020d},Tokyo\n" for n in range(25))
    bad = "".join(f",only-a-reference-{'x' * 80}-{n}\n" for n in range(3))
    audience = audience_from_csv(
        file=io.BytesIO((columns + rows + bad).encode()), name="Spring " * 8, network="line", user=admin
    )
    suppression, _ = suppression_add(
        network="line",
        sender=line_sender,
        ott_id="U" + "4f3c2a1b" * 12,
        user_reference="customer-reference-" * 4,
        reason="opt_out",
        user=admin,
    )
    api_token_create(user=admin, name="Nightly export of the spring campaign's deliveries to the warehouse")
    objects = {
        "sender": line_sender.pk,
        "draft": line_draft.pk,
        "send": send.pk,
        "delivery": send.deliveries.first().pk,
        "recipient_list": pending.pk,
        "audience": audience.pk,
        "suppression": suppression.pk,
    }
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, live_server, admin.username, PASSWORD)
    too_wide = {}
    for path, name in _pages(objects):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            too_wide[path] = overflow
        screenshot(page, f"phone-{name}")
    assert too_wide == {}, f"pages that scroll sideways at 375 px (by px): {too_wide}"
