"""What changed between two versions of a draft, in a marketer's words (messages/draft_changes.py)."""

from __future__ import annotations

from types import SimpleNamespace

from messages.draft_changes import DraftVersion, change_lines
from ott.payloads import Block, Message

DEMO_LINE = SimpleNamespace(name="Demo LINE", sender_id="2000000001", get_network_display=lambda: "LINE")
SPRING_SHOP = SimpleNamespace(name="Spring shop", sender_id="2000000002", get_network_display=lambda: "LINE")
HELLO, IMAGE = Block("text", text="Hello"), Block("image", url="https://e.com/a.jpg", alt_url="https://e.com/p.jpg")
MENU = Block("native", native_payload={"type": "sticker", "packageId": "1", "stickerId": "2"})


def version(*blocks: Block, name="Spring sale", sender=DEMO_LINE, **fields) -> DraftVersion:
    return DraftVersion.of(name=name, sender=sender, message=Message(blocks=blocks, **fields))


def test_the_same_draft_saved_again_changes_nothing():
    # The stored draft has "" where a form gives None, and no network on its message: still the same.
    stored = version(Block("text", text="Hello", url="", duration=None), messaging_type="")
    posted = DraftVersion.of(
        name="Spring sale",
        sender=DEMO_LINE,
        message=Message(network="line", sender_id="2000000001", blocks=(HELLO,), messaging_type=None),
    )
    assert change_lines(stored, posted) == []


def test_name_sender_and_settings_read_as_before_and_after():
    before = version(HELLO, subject="", messaging_type="UPDATE")
    after = version(HELLO, name="Summer sale", sender=SPRING_SHOP, subject="Sale", messaging_type="MESSAGE_TAG")
    assert change_lines(before, after) == [
        "Name: “Spring sale” → “Summer sale”",
        "Sender: Demo LINE → Spring shop",
        "Subject: (empty) → “Sale”",
        "Messaging type: Update → Message tag",
    ]


def test_two_senders_with_one_name_are_told_apart_by_network_and_id():
    twin = SimpleNamespace(name="Demo LINE", sender_id="2000000009", get_network_display=lambda: "LINE")
    assert change_lines(version(HELLO), version(HELLO, sender=twin)) == [
        "Sender: Demo LINE (LINE 2000000001) → Demo LINE (LINE 2000000009)"
    ]


def test_a_changed_block_is_named_by_its_number_and_field():
    before = version(HELLO, Block("text", text="See you"), MENU)
    after = version(HELLO, Block("text", text="See you soon"), Block("native", native_payload={"type": "sticker"}))
    assert change_lines(before, after) == [
        "Block 2 text changed: “See you” → “See you soon”",
        "Block 3 native payload changed",
    ]


def test_long_values_are_cut_so_the_line_stays_readable():
    before, after = version(Block("text", text="a" * 500)), version(Block("text", text="b" * 500))
    (line,) = change_lines(before, after)
    assert line == f"Block 1 text changed: “{'a' * 59}…” → “{'b' * 59}…”"


def test_blocks_added_removed_and_moved():
    assert change_lines(version(HELLO), version(IMAGE, HELLO)) == ["Block 1 added (image)"]
    assert change_lines(version(HELLO, IMAGE, MENU), version(HELLO, MENU)) == ["Block 2 removed (image)"]
    assert change_lines(version(HELLO, IMAGE), version(IMAGE, HELLO)) == ["Block 2 moved to position 1"]
    assert change_lines(version(HELLO, IMAGE, MENU), version(MENU, HELLO, IMAGE)) == ["Block 3 moved to position 1"]


def test_a_block_whose_type_changed_says_so_and_what_else_changed():
    before, after = version(HELLO), version(Block("audio", url="https://e.com/a.m4a", duration=1500))
    assert change_lines(before, after) == [
        "Block 1 type: Text → Audio",
        "Block 1 text changed: “Hello” → (empty)",
        "Block 1 URL changed: (empty) → “https://e.com/a.m4a”",
        "Block 1 duration: (empty) → 1,500 ms",
    ]
