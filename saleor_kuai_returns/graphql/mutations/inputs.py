"""Input types shared by several mutations, and their checks: what the rules do
not judge but the database would refuse (a NUL character, a too-long carrier)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import graphene

from ...actions.create import EvidenceItem
from ...actions.errors import ActionErrorCode
from ...domain.errors import ErrorCode
from ...domain.policy import MAX_TEXT_LENGTH
from ...models import EvidenceKind
from ..core import enums, ids
from ..core.errors import ApiErrorCode
from .base import InputError

MAX_URL_LENGTH = 2048  # Evidence.url
MAX_TRACKING_LENGTH = 128  # Shipment.carrier, Shipment.tracking_number


class AfterSaleEvidenceInput(graphene.InputObjectType):
    kind = graphene.InputField(
        enums.AfterSaleEvidenceKindEnum, required=True, description="Image, file or text."
    )
    url = graphene.String(description="URL (http or https) of an image or file.")
    text = graphene.String(description="A written statement (text evidence).")

    class Meta:
        description = "A piece of evidence: an image or file by URL, or a text."


class AfterSaleLineQuantityInput(graphene.InputObjectType):
    order_line_id = graphene.ID(required=True, description="The order line's global ID.")
    quantity = graphene.Int(required=True, description="How many of its units.")

    class Meta:
        description = "An order line and a quantity of it."


def text(value: str | None, field: str, *, max_length: int | None = None) -> str:
    """A text the rules judge (their own length limits); here only what the
    database refuses."""
    value = value or ""
    if "\x00" in value:
        raise InputError(ApiErrorCode.INVALID, field, "text must not contain NUL characters")
    if max_length is not None and len(value) > max_length:
        raise InputError(ApiErrorCode.INVALID, field, f"at most {max_length} characters")
    return value


def note(value: str | None, field: str = "note") -> str:
    """A note of the platform's (or a settlement's reference): the rules do not
    judge it, so the API holds it to the spec's limit on texts."""
    return text(value, field, max_length=MAX_TEXT_LENGTH)


def optional_text(value: str | None, field: str) -> str | None:
    return None if value is None else text(value, field)


def evidence(items: Sequence[dict[str, Any]] | None, field: str = "evidence") -> list[EvidenceItem]:
    cleaned = []
    for item in items or ():
        kind = EvidenceKind(item["kind"])
        url = text(item.get("url"), field, max_length=MAX_URL_LENGTH).strip()
        statement = text(item.get("text"), field, max_length=MAX_TEXT_LENGTH)
        if kind is EvidenceKind.TEXT and not statement.strip():
            raise InputError(ApiErrorCode.INVALID, field, "text evidence needs its text")
        if kind is not EvidenceKind.TEXT and not _web_url(url):
            raise InputError(ApiErrorCode.INVALID, field, "an image or file needs an http(s) URL")
        cleaned.append(EvidenceItem(kind, url=url, text=statement))
    return cleaned


def line_quantities(lines: Sequence[dict[str, Any]], field: str = "lines") -> list[tuple[str, int]]:
    """Order line IDs to the line ids the rules know; one that names no line is
    refused as the rules refuse a line not on the order."""
    quantities = []
    for line in lines:
        pk = ids.uuid_from_global_id(line["order_line_id"], ids.ORDER_LINE)
        if pk is None:
            raise InputError(
                ErrorCode.UNKNOWN_LINE, field, f"no order line {line['order_line_id']!r}"
            )
        quantities.append((str(pk), int(line["quantity"])))
    return quantities


def order_pk(value: object, field: str = "orderId") -> str:
    pk = ids.uuid_from_global_id(value, ids.ORDER)
    if pk is None:
        raise InputError(ActionErrorCode.NOT_FOUND, field, f"no order {value!r}")
    return str(pk)


def _web_url(url: str) -> bool:
    try:
        parts = urlparse(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)
