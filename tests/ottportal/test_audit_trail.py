"""The audit trail's chain: entries link by hash, `audit_verify` finds a row edited or deleted in the
database behind the portal's back, the ORM refuses to change or remove an entry, and writers at the
same moment still chain one after the other."""

from __future__ import annotations

import io
import itertools
import threading

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections

from ottportal import audit
from ottportal.models import AuditEntry, AuditRefused

pytestmark = pytest.mark.django_db


def _verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _sql(statement: str, *params) -> None:
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


def _five() -> list[AuditEntry]:
    user = User.objects.create_user("ed-editor")
    return [
        audit.record(
            "draft.edit", user=user, detail=f"change {n}", before={"name": f"v{n}"}, after={"name": f"v{n + 1}"}
        )
        for n in range(5)
    ]


def test_entries_are_numbered_and_each_carries_the_hash_of_the_one_before():
    entries = _five()
    assert [e.pk for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))
    stored = AuditEntry.objects.get(pk=3)
    assert audit.hash_of(stored) == stored.hash and len(stored.hash) == 64
    assert (stored.username, stored.before, stored.after) == ("ed-editor", {"name": "v2"}, {"name": "v3"})
    assert audit.verify() is None


def test_audit_verify_says_the_trail_is_intact():
    _five()
    code, out, _ = _verify()
    assert code == 0
    assert out.startswith("Audit trail intact: 5 entries\n")
    assert "Newest: #5 at " in out and AuditEntry.objects.get(pk=5).hash in out


def test_an_empty_trail_is_intact():
    assert _verify()[:2] == (0, "Audit trail intact: 0 entries\n")


def test_a_row_edited_in_the_database_is_named_by_audit_verify():
    _five()
    _sql("UPDATE {table} SET detail = %s WHERE id = %s", "nothing to see", 3)
    code, out, err = _verify()
    assert code == 1 and out == ""
    assert "Audit trail broken at entry #3 (" in err and "draft.edit" in err
    assert "its content does not match its hash" in err
    assert "The 2 entries before it hold." in err
    assert str(audit.verify()).startswith("entry #3 (")


def test_an_edit_that_also_recomputes_its_hash_breaks_the_next_link():
    _five()
    entry = AuditEntry.objects.get(pk=2)
    entry.username = "someone-else"
    _sql("UPDATE {table} SET username = %s, hash = %s WHERE id = %s", "someone-else", audit.hash_of(entry), 2)
    broken = audit.verify()
    assert broken.entry.pk == 3 and "the entry before it was changed" in broken.reason


def test_a_changed_before_value_is_caught():
    _five()
    _sql("UPDATE {table} SET after = %s WHERE id = %s", '{"name": "forged"}', 4)
    assert audit.verify().entry.pk == 4


def test_a_row_deleted_in_the_database_is_caught():
    _five()
    _sql("DELETE FROM {table} WHERE id = %s", 2)
    code, _, err = _verify()
    assert code == 1
    assert "Audit trail broken at entry #3" in err and "the entry before it (#2) is missing" in err


def test_the_first_entry_deleted_is_caught():
    _five()
    _sql("DELETE FROM {table} WHERE id = %s", 1)
    assert audit.verify().entry.pk == 2


def test_the_orm_refuses_to_change_or_delete_an_entry():
    entry = _five()[0]
    entry.detail = "changed"
    with pytest.raises(AuditRefused, match="cannot be changed"):
        entry.save()
    with pytest.raises(AuditRefused, match="cannot be deleted"):
        entry.delete()
    with pytest.raises(AuditRefused):
        AuditEntry.objects.filter(pk=1).update(detail="x")
    with pytest.raises(AuditRefused):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditRefused):
        AuditEntry.objects.bulk_create([AuditEntry(id=99, action="x", prev_hash="", hash="x")])
    assert AuditEntry.objects.count() == 5 and audit.verify() is None


def test_deleting_an_account_keeps_its_entries_and_the_chain():
    _five()
    User.objects.get(username="ed-editor").delete()
    assert set(AuditEntry.objects.values_list("user", "username")) == {(None, "ed-editor")}
    assert audit.verify() is None


def test_values_are_kept_as_read_back_so_the_hash_still_holds():
    from datetime import UTC, datetime
    from decimal import Decimal

    audit.record(
        "draft.edit",
        detail="nul\x00byte",
        before={"at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "price": Decimal("1.50"), "x\x00": ["a\x00"]},
        after={"n": 1.5, "list": [1, "two", None], "nested": {"b": 1, "a": 2}},
    )
    entry = AuditEntry.objects.get()
    assert entry.detail == "nulbyte"
    assert entry.before == {"at": "2026-01-02T03:04:05.000006+00:00", "price": "1.50", "x": ["a"]}
    assert audit.verify() is None


def test_diff_keeps_only_the_fields_that_changed():
    assert audit.diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}) == {
        "before": {"b": 2, "c": 3, "d": None},
        "after": {"b": 5, "c": None, "d": 4},
    }


@pytest.mark.django_db(transaction=True)
def test_writers_at_the_same_moment_chain_one_after_the_other():
    threads, per_thread, errors = 4, 15, []
    start = threading.Barrier(threads)

    def write(number: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                audit.record("draft.edit", username=f"writer-{number}", detail=f"{n}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert AuditEntry.objects.count() == threads * per_thread
    assert audit.verify() is None
