"""What the audit trail learns from Django's signals: logins, logouts, failed logins, and every change
of a user's roles (their groups), whether an admin makes it or single sign-on does at a login."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed

from ottportal import audit


def _logged_in(sender, request, user, **kwargs):
    audit.record("auth.login", user=user, request=request, obj=user, detail=_how(request))


def _logged_out(sender, request, user, **kwargs):
    if user is not None:  # a logout without a session changes nothing
        audit.record("auth.logout", user=user, request=request, obj=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username") or "")
    locked = request is not None and getattr(request, "axes_locked_out", False)
    audit.record(
        "auth.login_failed",
        request=request,
        username=username,
        detail="Locked out after too many failures" if locked else "",
    )


def _how(request) -> str:
    match = getattr(request, "resolver_match", None)
    return "Single sign-on" if match is not None and match.url_name == "sso-callback" else ""


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """`user.groups.add(group)` and `group.user_set.add(user)` alike; a clear is recorded before it
    happens, while the groups it removes can still be read."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    User = get_user_model()
    if action == "pre_clear":
        pairs = (
            [(user, instance) for user in instance.user_set.all()]
            if reverse
            else [(instance, group) for group in instance.groups.all()]
        )
    elif reverse:  # instance is the group, pk_set the users
        pairs = [(user, instance) for user in User.objects.filter(pk__in=pk_set)]
    else:
        pairs = [(instance, group) for group in Group.objects.filter(pk__in=pk_set)]
    code = "role.add" if action == "post_add" else "role.remove"
    request = audit.current_request()
    left: dict[int, set[str]] = {}  # a clear: the roles left after each one of its removals
    for user, group in pairs:
        now = left[user.pk] if user.pk in left else set(user.groups.values_list("name", flat=True))
        if action == "pre_clear":
            was, now = now, now - {group.name}
            left[user.pk] = now
        else:
            was = now - {group.name} if code == "role.add" else now | {group.name}
        detail = f"{group.name} {'given to' if code == 'role.add' else 'taken from'} {user.get_username()}"
        if request is not None and _how(request):
            detail += " by single sign-on (the provider's groups claim)"
        audit.record(code, obj=user, detail=detail, before={"roles": sorted(was)}, after={"roles": sorted(now)})


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    m2m_changed.connect(_groups_changed, sender=get_user_model().groups.through, dispatch_uid="audit_roles")
