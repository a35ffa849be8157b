"""What differs between the two OTT networks, in one registry.

The rules, the payload builder and the preview consult `NETWORKS` instead of testing the network
name. Limits are from the networks' own documentation (see docs/ott-api.md for the sources).
"""

from __future__ import annotations

from dataclasses import dataclass

from ott.text import utf16_length

LINE = "line"
MESSENGER = "messenger"

CONTENT_TYPES = ("text", "image", "audio", "video", "native")
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MESSAGE_TAGS = ("ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT", "CUSTOMER_FEEDBACK")
NOTIFICATION_TYPES = ("REGULAR", "SILENT_PUSH", "NO_PUSH")


def codepoint_length(text: str) -> int:
    return len(text)


@dataclass(frozen=True)
class Network:
    name: str
    label: str
    sender_label: str  # what Marketing Cloud calls the sender id on this network
    max_contents: int
    text_limit: int
    text_unit: str  # the unit `measure_text` counts in, as shown to users
    url_limit: int | None
    # LINE loads media only over https ("Protocol: HTTPS (TLS 1.2 or later)", Messaging API reference);
    # Meta fetches http:// too (its own Attachment Upload example uses one), so on Messenger an
    # http:// address is a warning, not a refusal.
    https_only: bool
    alt_url_required_for: frozenset[str]  # content types that need altUrl
    duration_required_for: frozenset[str]
    supports_attachment_reuse: bool  # isReusable / attachmentId
    needs_custom_keys: bool  # messagingType (and tag for MESSAGE_TAG)
    recipient_rule: str  # "ott_id" (ottId required) or "either" (ottId or userReference)
    # Registration (`POST /ott/v1/registration`): attribute names, the required ones and the secrets.
    id_attribute: str
    name_attribute: str
    registration_attributes: tuple[str, ...]
    required_attributes: tuple[str, ...]
    secret_attributes: tuple[str, ...]
    sender_noun: str = "sender"  # what a marketer calls one sender: "page", "channel"

    def measure_text(self, text: str) -> int:
        return utf16_length(text) if self.text_unit == "UTF-16 code units" else codepoint_length(text)

    def public_attributes(self, attributes: dict) -> dict:
        """The registration attributes that may be stored or shown: known ones, never a secret."""
        return {
            key: value
            for key, value in attributes.items()
            if key in self.registration_attributes and key not in self.secret_attributes
        }

    # --- What the composer needs to know (derived from the fields above) ----------------------------
    @property
    def counts_utf16(self) -> bool:
        return self.text_unit == "UTF-16 code units"

    @property
    def text_hint(self) -> str:
        """How the network counts text, in a marketer's words ("" when one character counts one)."""
        return f"{self.label} counts an emoji as 2" if self.counts_utf16 else ""

    def block_field_types(self) -> dict[str, list[str]]:
        """For each optional block field, the block types it applies to on this network."""
        media = ["image", "video", "audio"]
        return {
            "text": ["text"],
            "url": media,
            "alt_url": sorted(self.alt_url_required_for),
            "duration": sorted(self.duration_required_for),
            "native_payload": ["native"],
            "is_reusable": media if self.supports_attachment_reuse else [],
            "attachment_id": media if self.supports_attachment_reuse else [],
        }

    def page_data(self) -> dict:
        """Everything the composer page's script needs (the `network-limits` JSON)."""
        return {
            "label": self.label,
            "max": self.max_contents,
            "limit": self.text_limit,
            "unit": "characters",
            "utf16": self.counts_utf16,
            "hint": self.text_hint,
            "custom_keys": self.needs_custom_keys,
            "fields": self.block_field_types(),
        }


def active_flag(value) -> bool:
    """Marketing Cloud's isActive (0/1, also "true"/"false"); missing means active."""
    return str(1 if value is None else value).strip().lower() not in ("0", "false", "no", "")


NETWORKS: dict[str, Network] = {
    LINE: Network(
        name=LINE,
        label="LINE",
        sender_label="Channel ID",
        max_contents=5,
        text_limit=5000,
        text_unit="UTF-16 code units",
        url_limit=2000,
        https_only=True,
        alt_url_required_for=frozenset({"image", "video"}),
        duration_required_for=frozenset({"audio"}),
        supports_attachment_reuse=False,
        needs_custom_keys=False,
        recipient_rule="ott_id",
        id_attribute="channelId",
        name_attribute="channelName",
        registration_attributes=(
            "channelId",
            "channelName",
            "channelSecret",
            "customerConnectSecret",
            "isTransactional",
            "isTestChannel",
            "endpointUrl",
            "isActive",
        ),
        required_attributes=("channelId", "channelName", "channelSecret"),
        secret_attributes=("channelSecret", "customerConnectSecret"),
        sender_noun="channel",
    ),
    MESSENGER: Network(
        name=MESSENGER,
        label="Messenger",
        sender_label="Page ID",
        max_contents=1,
        text_limit=2000,
        text_unit="characters",
        url_limit=None,
        https_only=False,
        alt_url_required_for=frozenset(),
        duration_required_for=frozenset(),
        supports_attachment_reuse=True,
        needs_custom_keys=True,
        recipient_rule="either",
        id_attribute="pageId",
        name_attribute="pageName",
        registration_attributes=(
            "applicationId",
            "applicationSecret",
            "pageId",
            "pageName",
            "pageAccessToken",
            "endpointUrl",
            "callbackVerifyToken",
            "isActive",
        ),
        required_attributes=("applicationId", "applicationSecret", "pageId", "pageName"),
        secret_attributes=("applicationSecret", "pageAccessToken", "callbackVerifyToken"),
        sender_noun="page",
    ),
}

NETWORK_CHOICES = [(network.name, network.label) for network in NETWORKS.values()]
