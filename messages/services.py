"""Writes to drafts and sends.

A draft is a sender, a name and a `Message` (ott.payloads): the one shape the composer's forms, the
drafts API and the preview take and give. `draft_check` builds the body a draft would send and runs
`ott.rules` on it once; every save goes through it, so a draft that Marketing Cloud or the network
would refuse is never stored. `send_create` is the outbox: the send, one delivery per recipient and
the tasks that will deliver them are written in one transaction (or, for a big send, the send and its
recipient list, which the worker prepares). The send actions (approve, reject, pause, resume,
reschedule, retry the failed, cancel) are in `messages.send_actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audiences.models import Audience
from audiences.services import AudienceError, audience_mark_used
from messages import lifecycle, personalize, planning, preparation
from messages.draft_changes import DraftVersion, audit_fields, change_lines
from messages.models import ContentBlock, Draft, DraftChange, DraftSeen, RecipientList, Send, SendEvent
from messages.recipients import row_problems
from messages.stored_words import words
from messages.tasks import enqueue_deliveries, enqueue_start, prepare, schedule_housekeeping
from ott import rules
from ott.payloads import BLOCK_FIELD_OF_KEY, Message, build_send_body, message_template
from ott.text import MAX_DEPTH, too_deep
from ottportal import audit
from senders.models import Sender

SAMPLE_MESSAGE_KEY = "00000000-0000-4000-8000-000000000000"
SAMPLE_OTT_ID = "sample-recipient"

# Where a rule's path outside the blocks lands among the draft's fields.
_DRAFT_FIELDS = {
    "from.senderId": "sender",
    "from.senderType": "sender",
    "messageGroupKey": "message_group_key",
    "message.subject": "subject",
    "message.contents": "contents",
    "message.customKeys.messagingType": "messaging_type",
    "message.customKeys.tag": "tag",
    "message.customKeys.notificationType": "notification_type",
}


@dataclass(frozen=True)
class DraftProblem:
    """One reason a draft cannot be sent, where it is: a draft field (`tag`, `contents`), or a block
    (counting from 1) and one of its fields (`alt_url`). `message` is the rule's own text (Marketing
    Cloud's documented message where there is one); `advice` says what to do about it."""

    field: str
    message: str
    block: int | None = None
    advice: str = ""
    documented: bool = False  # `message` is Marketing Cloud's documented text
    warning: bool = False  # the network accepts it, but it is worth fixing: shown, never refused

    @property
    def key(self) -> str:
        """How the API names the place: `contents[2].alt_url` for a block's field."""
        return f"contents[{self.block}].{self.field}" if self.block is not None else self.field

    @classmethod
    def of(cls, problem: rules.Problem) -> DraftProblem:
        documented = problem.layer == "contract"
        if problem.block is not None and problem.key in BLOCK_FIELD_OF_KEY:
            field = BLOCK_FIELD_OF_KEY[problem.key]
            return cls(field, problem.message, problem.block, problem.advice, documented, problem.warning)
        field = _DRAFT_FIELDS.get(problem.field, "non_field_errors")
        return cls(field, problem.message, None, problem.advice, documented, problem.warning)


def problems_by_key(problems: list[DraftProblem]) -> dict[str, list[str]]:
    """The API's error shape: each place (`contents[N].field` for blocks) with its messages."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.key, []).append(problem.message)
    return errors


class DraftInvalid(Exception):
    """The draft breaks a rule; `problems` says where and why, `errors` keys them as the API does."""

    def __init__(self, problems: list[DraftProblem]):
        self.problems = problems
        self.errors = problems_by_key(problems)
        super().__init__("; ".join(problem.message for problem in problems))


def _inactive(sender: Sender) -> DraftProblem:
    active = ", ".join(f"{s.name} ({s.get_network_display()})" for s in Sender.objects.filter(is_active=True)[:5])
    offer = _("Choose an active sender: %(senders)s.") % {"senders": active} if active else ""
    offer = offer or _("Ask an admin to activate a sender.")
    return DraftProblem(
        "sender",
        _("%(sender)s is inactive: choose an active sender.") % {"sender": sender.name},
        advice=_("%(sender)s was deactivated by an admin, so nothing can be sent from it. %(offer)s")
        % {"sender": sender.name, "offer": offer},
    )


def draft_check(*, sender: Sender, message: Message) -> tuple[dict | None, list[DraftProblem]]:
    """The body this draft would send (for a sample recipient) and every reason it could not be sent;
    the body is None only when a block cannot be built at all (a native payload nested too deep)."""
    message = replace(message, network=sender.network, sender_id=sender.sender_id)
    problems = [] if sender.is_active else [_inactive(sender)]
    for number, block in enumerate(message.blocks, start=1):
        if where := too_deep(block.native_payload, "native_payload"):
            words = _("%(where)s is nested more than %(max)s levels deep; simplify it (at most %(max)s levels).")
            problems.append(DraftProblem("native_payload", words % {"where": where, "max": MAX_DEPTH}, number))
    if any(problem.field == "native_payload" for problem in problems):
        return None, problems
    body = build_send_body(message, message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID)
    return body, problems + placeholder_problems(body) + [DraftProblem.of(p) for p in rules.check(checkable(body))]


def checkable(body: dict) -> dict:
    """The body the rules judge for a draft: placeholders stand in as their default or column name
    (each recipient's filled body is judged again when the send is prepared)."""
    return personalize.sample(body) if personalize.has_placeholders(body) else body


def placeholder_problems(body: dict) -> list[DraftProblem]:
    out = []
    for problem in personalize.problems(body):
        block, _sep, key = problem.path.partition("].")
        field = BLOCK_FIELD_OF_KEY.get(key.split(".")[0].split("[")[0], "contents")
        out.append(DraftProblem(field, problem.message, int(block.removeprefix("contents["))))
    return out


def body_warnings(body: dict | None) -> list[DraftProblem]:
    """What the network accepts but may not deliver well (an http:// file on Messenger), where it is;
    never a reason to refuse the draft."""
    return [] if body is None else [DraftProblem.of(problem) for problem in rules.warnings(body)]


def draft_warnings_of(draft: Draft) -> dict[str, list[str]]:
    """A stored draft's warnings, keyed as the API keys its errors; {} when there are none."""
    body = build_send_body(draft.to_message(), message_key=SAMPLE_MESSAGE_KEY, ott_id=SAMPLE_OTT_ID)
    return problems_by_key(body_warnings(body))


def draft_problems_of(draft: Draft) -> dict[str, list[str]]:
    """Why a stored draft cannot be sent now (its sender was deactivated, say), keyed as the API keys
    them; {} when it can."""
    return problems_by_key(draft_check(sender=draft.sender, message=draft.to_message())[1])


def _check(*, sender: Sender, message: Message) -> None:
    _body, problems = draft_check(sender=sender, message=message)
    if problems:
        raise DraftInvalid(problems)


def _write(draft: Draft, *, name: str, sender: Sender, message: Message, user) -> Draft:
    with transaction.atomic():
        draft.name, draft.sender, draft.updated_by = name, sender, user
        draft.set_message(message)
        draft.save()
        draft.blocks.all().delete()
        ContentBlock.objects.bulk_create(
            ContentBlock.of(block, draft=draft, position=number) for number, block in enumerate(message.blocks, 1)
        )
    return draft


def _record(draft: Draft, *, user, action: str, lines: list[str] = ()) -> DraftChange:
    return DraftChange.objects.create(
        draft=draft, draft_pk=draft.pk, draft_name=draft.name, user=user, action=action, lines=list(lines)
    )


def _version(draft: Draft) -> DraftVersion:
    return DraftVersion.of(name=draft.name, sender=draft.sender, message=draft.to_message())


def draft_create(*, owner, name: str, sender: Sender, message: Message) -> Draft:
    _check(sender=sender, message=message)
    with transaction.atomic():
        draft = _write(Draft(owner=owner), name=name, sender=sender, message=message, user=owner)
        _record(draft, user=owner, action=DraftChange.Action.CREATED)
        audit.record("draft.create", user=owner, obj=draft, after=audit_fields(_version(draft)))
    return draft


def draft_update(*, draft: Draft, name: str, sender: Sender, message: Message, user=None) -> Draft:
    """Replace a draft's fields and blocks and record who changed what (`user`: whoever saved it;
    drafts are shared, so it may not be the owner). On any problem nothing changes; a save that
    changes nothing records nothing. Returns the draft as stored."""
    _check(sender=sender, message=message)
    with transaction.atomic():
        # Compared with the stored row, not `draft`: a ModelForm has already set the new values on it.
        stored = Draft.objects.select_for_update().select_related("sender").get(pk=draft.pk)
        old, new = _version(stored), DraftVersion.of(name=name, sender=sender, message=message)
        lines = change_lines(old, new)
        if not lines:
            return stored
        _write(stored, name=name, sender=sender, message=message, user=user)
        _record(stored, user=user, action=DraftChange.Action.CHANGED, lines=lines)
        changed = audit.diff(audit_fields(old), audit_fields(new))
        audit.record("draft.edit", user=user, obj=stored, detail="; ".join(lines), **changed)
    return stored


def draft_duplicate(*, draft: Draft, owner) -> Draft:
    name = (_("Copy of %(name)s") % {"name": draft.name})[: Draft._meta.get_field("name").max_length]
    message = draft.to_message()
    _check(sender=draft.sender, message=message)
    with transaction.atomic():
        copy = _write(Draft(owner=owner), name=name, sender=draft.sender, message=message, user=owner)
        _record(copy, user=owner, action=DraftChange.Action.COPIED, lines=[f"A copy of “{draft.name}” (#{draft.pk})"])
        audit.record(
            "draft.copy", user=owner, obj=copy, detail=f"A copy of #{draft.pk}", after=audit_fields(_version(copy))
        )
    return copy


def draft_delete(*, draft: Draft, user=None) -> None:
    """Sends made from the draft keep their frozen copy; their `draft` link becomes empty. The
    deletion stays in the change history (audit log): who, when, and what the draft was."""
    blocks = draft.blocks.count()
    what = f"Sender {draft.sender.name}, {blocks} block{'' if blocks == 1 else 's'}"
    with transaction.atomic():
        _record(draft, user=user, action=DraftChange.Action.DELETED, lines=[what])
        audit.record("draft.delete", user=user, obj=draft, detail=what, before=audit_fields(_version(draft)))
        draft.delete()


def draft_viewed(*, draft: Draft, user) -> list[DraftChange]:
    """Record that `user` opened the draft now. For the draft's owner, return what others changed
    since the owner last looked (oldest first), so the page can say so; [] for everyone else."""
    previous = DraftSeen.objects.filter(draft=draft, user=user).values_list("seen_at", flat=True).first()
    DraftSeen.objects.update_or_create(draft=draft, user=user, defaults={"seen_at": timezone.now()})
    if draft.owner_id is None or draft.owner_id != user.pk:
        return []
    changes = draft.changes.exclude(user=user).select_related("user").order_by("created_at", "id")
    if previous is not None:
        changes = changes.filter(created_at__gt=previous)
    return list(changes)


class SendRefused(Exception):
    """A send that cannot start; the message says why in words a marketer understands. `field` names
    the input at fault when there is one (`scheduled_at`, `reason`)."""

    def __init__(self, message: str, field: str = "non_field_errors"):
        super().__init__(message)
        self.field = field


class NotAllowed(SendRefused):
    """The user may not do this to this send (approve their own, reschedule someone else's)."""


REFUSED_LINES_KEPT = 1000  # refused recipient rows kept with a send, to view and download later
SCHEDULE_AHEAD_MAX = timedelta(days=366)
SCHEDULE_PAST_GRACE = timedelta(minutes=1)  # "now" typed a little late on a slow page is still now


def check_schedule(scheduled_at: datetime | None) -> datetime | None:
    """A start time must be aware, not in the past and at most a year ahead."""
    if scheduled_at is None:
        return None
    if timezone.is_naive(scheduled_at):
        raise SendRefused(_("Give the time with its time zone (an offset such as +09:00)."), "scheduled_at")
    now = timezone.now()
    if scheduled_at < now - SCHEDULE_PAST_GRACE:
        raise SendRefused(_("The start time is in the past: choose a later time, or send now."), "scheduled_at")
    if scheduled_at > now + SCHEDULE_AHEAD_MAX:
        raise SendRefused(_("The start time is more than a year ahead: choose an earlier time."), "scheduled_at")
    return scheduled_at


def needs_approval(sender: Sender, total: int) -> bool:
    minimum = settings.OTT_APPROVAL_MIN_RECIPIENTS
    return sender.requires_approval or (minimum > 0 and total >= minimum)


def _columns_of(recipients: list) -> list[str]:
    """The columns a list of recipients carries: the union of their `vars` keys."""
    columns: dict[str, None] = {}
    for row in recipients:
        if len(row) > 2 and row[2]:
            columns.update(dict.fromkeys(row[2]))
    return list(columns)


def _source(draft: Draft, audience: Audience | None, recipients: list, empty_ok: bool) -> tuple[int, list[str], str]:
    """(total, columns, field naming the recipients) of the send's recipients, or SendRefused."""
    if audience is None:
        if not recipients and not empty_ok:
            raise SendRefused(_("There is no valid recipient to send to."), "recipients")
        return len(recipients), _columns_of(recipients), "recipients"
    network = draft.sender.get_network_display()
    if audience.network != draft.sender.network:
        words = _(
            "“%(audience)s” is an audience of %(its_network)s; this draft sends on %(network)s. "
            "Choose an audience of %(network)s."
        )
        values = {"audience": audience.name, "its_network": audience.get_network_display(), "network": network}
        raise SendRefused(words % values, "audience")
    if not audience.is_ready:
        words = _("“%(audience)s” is still being uploaded; a send can use it once it is ready.")
        raise SendRefused(words % {"audience": audience.name}, "audience")
    return audience.size, list(audience.columns), "audience"


def _missing(template: dict, columns: list[str], field: str) -> None:
    if missing := personalize.missing_columns(template, columns):
        names = ", ".join(f"“{name}”" for name in missing)
        if field == "audience":
            words = _(
                "The message uses %(names)s, but the audience has no such column. Add the column, or give the "
                "placeholder a default (%(example)s)."
            )
        else:
            words = _(
                "The message uses %(names)s, but the recipients have no such column. Add the column, or give the "
                "placeholder a default (%(example)s)."
            )
        example = f'{{{{ {missing[0]} | default: "..." }}}}'
        raise SendRefused(words % {"names": names, "example": example}, field)


def send_check(
    *, draft: Draft, audience: Audience | None = None, recipients: list | tuple = (), empty_ok: bool = False
) -> int:
    """How many recipients a send of `draft` would have; SendRefused (naming the field) when it cannot
    be made: the sender is inactive, the audience is of another network or not ready, there is no
    recipient, the draft breaks a rule, or the message uses a column the recipients lack. What both
    a send and its dry run check first (the allowance is the send's: a dry run reports it; `empty_ok`:
    a dry run of a list with no valid row lists its refused rows instead)."""
    sender = draft.sender
    if not sender.is_active:
        words = _("%(sender)s is inactive: no new send can start from it. Choose an active sender.")
        raise SendRefused(words % {"sender": sender.name})
    total, columns, field = _source(draft, audience, recipients, empty_ok)
    if problems := draft_problems_of(draft):
        reasons = " ".join(m for errors in problems.values() for m in errors)
        raise SendRefused(_("The draft cannot be sent: %(reasons)s") % {"reasons": reasons})
    _missing(message_template(draft.to_message()), columns, field)
    return total


def _send_limit(sender: Sender, total: int, up_to_allowance: bool) -> int | None:
    """None when the send fits the sender's allowances; the allowance left when the marketer chose to
    send up to it; else SendRefused with the numbers."""
    problem = planning.allowance_problem(sender, total)
    if not problem:
        return None
    left = planning.allowance_left(sender) or 0
    if not up_to_allowance:
        raise SendRefused(problem, "up_to_allowance")
    if left <= 0:
        over = planning.allowance_problem(sender, total, advice=False)
        raise SendRefused(over + " " + _("Nothing can be sent until the allowance renews."))
    return left


def send_create(
    *,
    draft: Draft,
    recipients: list | tuple = (),
    user,
    audience: Audience | None = None,
    up_to_allowance: bool = False,
    invalid_count: int = 0,
    duplicate_count: int = 0,
    refused_lines: list | None = None,
    is_test: bool = False,
    scheduled_at: datetime | None = None,
    time_zone: str = "",
    canary: bool = False,
    recipient_list: RecipientList | None = None,
) -> Send:
    """Create the send with a frozen copy of the message, to `audience` or to `recipients` (rows
    already checked by whoever read them: `(ott_id, user_reference)` or `(ott_id, user_reference,
    {column: value})`). Refused (SendRefused naming the field) when the sender is inactive, the
    audience is of another network or not ready, the message uses a column the recipients lack (and
    gives it no default), or the send would pass the sender's allowance (unless `up_to_allowance`:
    then it stops at what is left). Small sends are prepared at once (their deliveries and tasks
    written in this transaction); big ones are prepared by the worker (`preparing`), so this answers
    at once whatever the size: an audience's rows are not read here at all."""
    sender = draft.sender
    total = send_check(draft=draft, audience=audience, recipients=recipients)
    template = message_template(draft.to_message())
    scheduled_at = check_schedule(scheduled_at)
    send_limit = _send_limit(sender, total, up_to_allowance)
    going = total if send_limit is None else min(total, send_limit)
    with transaction.atomic():
        send = Send.objects.create(
            draft=draft,
            draft_name=draft.name,
            sender=sender,
            sender_name=sender.name,
            network=sender.network,
            template=template,
            status=Send.Status.PREPARING,
            total=total,
            audience=audience,
            send_limit=send_limit,
            invalid_count=invalid_count,
            duplicate_count=duplicate_count,
            refused_lines=(refused_lines or [])[:REFUSED_LINES_KEPT],
            is_test=is_test,
            created_by=user,
            scheduled_at=scheduled_at,
            schedule_time_zone=time_zone if scheduled_at else "",
            needs_approval=not is_test and needs_approval(sender, going),
            canary=preparation.canary_size(going) if canary else 0,
        )
        # Stored as English msgids and their values (messages/stored_words.py), translated when shown.
        args = {"count": total}
        if audience:
            detail = gettext_noop("%(count)s recipients in the audience “%(audience)s”")
            if total == 1:
                detail = gettext_noop("%(count)s recipient in the audience “%(audience)s”")
            args["audience"] = audience.name
        else:
            detail = gettext_noop("%(count)s recipient") if total == 1 else gettext_noop("%(count)s recipients")
        if send_limit is not None:
            detail = words(detail, gettext_noop("sends to at most %(limit)s (the allowance left)"))
            args["limit"] = send_limit
        lifecycle.note(send.pk, SendEvent.Event.CREATED, user=user, detail=detail, detail_args=args)
        if audience is not None:
            try:
                audience_mark_used(audience)
            except AudienceError as exc:
                raise SendRefused(str(exc), "audience") from exc
            if recipient_list is not None:
                recipient_list.delete()  # consumed: the worker reads the audience
        else:
            if recipient_list is None:
                rows = recipients if isinstance(recipients, list) else list(recipients)  # stored as JSON arrays
                RecipientList.objects.create(draft=draft, created_by=user, recipients=rows, send=send)
            else:
                recipient_list.send = send
                recipient_list.save(update_fields=["send"])
        if total <= settings.OTT_PREPARE_INLINE_MAX:
            preparation.prepare(send.pk, enqueue_start=enqueue_start, enqueue=enqueue_deliveries)
        else:
            prepare.enqueue(send.pk)
        schedule_housekeeping()
    send.refresh_from_db()
    return send


def send_test(draft: Draft, user) -> Send:
    """Send the draft at once to the user's saved test recipients for its network, marked as a test."""
    from ottportal.models import settings_of

    recipients = [tuple(row) for row in settings_of(user).test_recipients.get(draft.sender.network, [])]
    for number, (ott_id, user_reference) in enumerate(recipients, start=1):
        if problems := row_problems(ott_id, user_reference, draft.sender.network):
            words = _("Test recipient %(number)s: %(problems)s Correct it in Your settings.")
            raise SendRefused(words % {"number": number, "problems": " ".join(problems)})
    if not recipients:
        words = _("You have no test recipients on %(network)s yet: add them in Your settings.")
        raise SendRefused(words % {"network": draft.sender.get_network_display()})
    return send_create(draft=draft, recipients=recipients, user=user, is_test=True)


def send_recipient_list(list_id, user, **options) -> Send:
    """Queue the send a confirm page shows, consuming its recipient list in the same transaction: a
    second confirm (double click, back button) finds nothing and queues nothing. `options`:
    send_create's `scheduled_at`, `time_zone`, `canary`, `up_to_allowance`."""
    with transaction.atomic():
        pending = (
            RecipientList.objects.select_for_update(of=("self",))
            .select_related("draft__sender")
            .filter(pk=list_id, created_by=user, send__isnull=True)
            .first()
        )
        if pending is None:
            raise SendRefused(_("This list was already sent."))
        return send_create(
            draft=pending.draft,
            recipients=pending.recipients,
            audience=pending.audience,
            user=user,
            invalid_count=pending.invalid_count,
            duplicate_count=pending.duplicate_count,
            refused_lines=pending.invalid,
            recipient_list=pending,
            **options,
        )


def send_cancel(send: Send, user) -> lifecycle.Canceled:
    """Cancel the send: nothing of it that has not been posted yet will be (see lifecycle.cancel)."""
    try:
        return lifecycle.cancel(send, user)
    except lifecycle.TransitionRefused as exc:
        raise SendRefused(str(exc)) from exc
