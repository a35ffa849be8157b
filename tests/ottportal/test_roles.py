"""Each role reaches what it may and gets the "no access" page elsewhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from ottportal.roles import ADMINS, AUDITORS, MARKETERS, capability_required, has_capability, primary_role
from tests.conftest import client_for

EXPECTED = {
    # capability: roles that have it
    "view_senders": {"admin", "marketer", "approver", "auditor"},
    "manage_senders": {"admin"},
    "view_drafts": {"admin", "marketer", "approver", "auditor"},
    "compose": {"admin", "marketer"},
    "send": {"admin", "marketer"},
    "approve": {"admin", "approver"},
    "view_history": {"admin", "marketer", "approver", "auditor"},
    "view_audit": {"admin", "auditor"},
}


@pytest.mark.parametrize("capability", sorted(EXPECTED))
def test_each_role_has_exactly_its_capabilities(personas, capability):
    holders = {name for name, user in personas.items() if has_capability(user, capability)}
    assert holders == EXPECTED[capability]


def test_a_superuser_is_an_admin(db):
    root = User.objects.create_superuser("root", "root@example.com", "root-pass-123")
    assert primary_role(root) == ADMINS
    assert has_capability(root, "manage_senders")


def test_an_inactive_user_has_no_role(marketer):
    marketer.is_active = False
    assert not has_capability(marketer, "send")


def test_the_decorator_refuses_a_role_without_the_capability(auditor, marketer):
    @capability_required("send")
    def view(request):
        return "sent"

    request = RequestFactory().get("/")
    request.user = marketer
    assert view(request) == "sent"
    request.user = auditor
    with pytest.raises(PermissionDenied):
        view(request)


def test_groups_exist_with_their_names(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {ADMINS, MARKETERS, AUDITORS}


@pytest.mark.parametrize("persona", ["admin", "marketer", "approver", "auditor"])
def test_the_home_page_tells_each_role_who_they_are(personas, persona):
    response = client_for(personas[persona]).get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert personas[persona].username in body
    assert primary_role(personas[persona]) in body
    assert "Log out" in body


def test_a_user_without_a_role_gets_the_no_access_page(outsider):
    response = client_for(outsider).get("/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "No access" in body
    assert "no role" in body


def test_only_staff_see_the_admin_site_link(admin, marketer):
    admin.is_staff = True
    admin.save()
    assert "Admin site" in client_for(admin).get("/").content.decode()
    assert "Admin site" not in client_for(marketer).get("/").content.decode()


def test_login_and_logout(marketer):
    client = client_for(None)
    response = client.post("/login/", {"username": marketer.username, "password": "persona-pass-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_refused_with_a_message(marketer):
    response = client_for(None).post("/login/", {"username": marketer.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
