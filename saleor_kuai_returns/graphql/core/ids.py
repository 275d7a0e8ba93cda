"""Global IDs as Saleor writes them: base64 of ``"<Type>:<pk>"``."""

from __future__ import annotations

import base64
import binascii
import uuid

# Type names of the shop's rows we refer to; Saleor's own names, so the IDs a
# storefront already has work with our API.
ORDER = "Order"
ORDER_LINE = "OrderLine"
USER = "User"
APP = "App"
PRODUCT = "Product"
REQUEST = "AfterSaleRequest"
APPEAL = "AfterSaleAppeal"
LIABILITY_ENTRY = "AfterSaleLiabilityEntry"
# How our rows name a caller (``Caller.id``), and the shop's type of each.
CALLER_TYPES = {"user": USER, "app": APP}


def to_global_id(type_name: str, pk: object) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def from_global_id(value: object, type_name: str) -> str | None:
    """The pk inside a global ID of ``type_name``; ``None`` for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    kind, separator, pk = decoded.partition(":")
    if kind != type_name or not separator or not pk:
        return None
    return pk


def uuid_from_global_id(value: object, type_name: str) -> uuid.UUID | None:
    pk = from_global_id(value, type_name)
    if pk is None:
        return None
    try:
        return uuid.UUID(pk)
    except ValueError:
        return None


def buyer_id_from_global_id(value: object) -> str | None:
    """A Saleor user's global ID as the buyer id our rows store (``user:<pk>``)."""
    pk = from_global_id(value, USER)
    return f"user:{pk}" if pk is not None and pk.isdigit() else None


def caller_global_id(caller_id: str) -> str | None:
    """Who acted, as our rows store it (``user:<pk>``, ``app:<pk>``), as the
    shop's global ID of that user or app; ``None`` for the system or nobody."""
    kind, _, pk = caller_id.partition(":")
    type_name = CALLER_TYPES.get(kind)
    return to_global_id(type_name, pk) if type_name and pk else None
