"""What every mutation shares: run one action as the caller; turn each refusal
(an unknown ID, a missing right, a stale version, a rule) into this mutation's
typed error; replay a call whose idempotency key was seen before."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import graphene
from django.db import IntegrityError, transaction

from ...actions.errors import ActionErrorCode
from ...domain.errors import DomainError
from ...models import AfterSaleRequest as RequestRow
from ...models import ApiIdempotencyKey
from ..core import ids
from ..core.errors import ApiErrorCode, Code
from ..core.viewer import Viewer, viewer_of
from ..types.request import AfterSaleRequest

# Which input field an error points at, when the code says it.
DEFAULT_FIELDS: dict[Code, str] = {
    ActionErrorCode.NOT_FOUND: "id",
    ActionErrorCode.STALE_VERSION: "version",
    ApiErrorCode.IDEMPOTENCY_KEY_REUSED: "idempotencyKey",
}
MAX_KEY_LENGTH = 255


class InputError(Exception):
    """A refusal of the API layer: malformed input, before any action runs."""

    def __init__(self, code: Code, field: str | None, message: str = "") -> None:
        self.code = code
        self.field = field
        self.message = message or code.value.replace("_", " ")
        super().__init__(f"{code.value}: {self.message}")


def request_field() -> Any:
    return graphene.Field(
        AfterSaleRequest, description="The request after the call; `null` when it failed."
    )


def errors_field(error_type: Any) -> Any:
    return graphene.List(
        graphene.NonNull(error_type),
        required=True,
        description="Why the call failed; empty when it succeeded.",
    )


def version_argument() -> Any:
    return graphene.Int(
        description="The request's `version` the caller saw: the call is refused with "
        "`STALE_VERSION` when the request changed since."
    )


def idempotency_key_argument() -> Any:
    return graphene.String(
        description="A key of the caller's choice: a repeated call with the same key "
        "returns the request and moves no money again."
    )


def id_argument() -> Any:
    return graphene.ID(required=True, description="ID of the after-sale request.")


def note_argument(description: str = "The platform's note, kept on the request's timeline.") -> Any:
    return graphene.String(description=description)


def request_pk(value: object) -> uuid.UUID:
    pk = ids.uuid_from_global_id(value, ids.REQUEST)
    if pk is None:
        raise InputError(ActionErrorCode.NOT_FOUND, "id", f"no after-sale request {value!r}")
    return pk


class AfterSaleMutation(graphene.Mutation):
    """Base class: subclasses declare ``error_type`` and ``perform``."""

    error_type: ClassVar[Any]
    # Input fields that the rules' codes point at, per mutation.
    error_fields: ClassVar[dict[Code, str]] = {}

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, viewer: Viewer, **data: Any) -> Any:
        """Run the action; its result goes to ``succeeded``."""
        raise NotImplementedError

    @classmethod
    def succeeded(cls, request: Any) -> Any:
        """The payload of a call that succeeded (a request, unless overridden),
        read again: what ran after the action committed (a payment the shop
        made at once) shows in the answer, never half of it."""
        if isinstance(request, RequestRow):
            request.refresh_from_db()
        return cls(after_sale_request=request, errors=[])

    @classmethod
    def mutate(cls, _root: Any, info: Any, **data: Any) -> Any:
        try:
            result = cls.perform(viewer_of(info), **data)
        except InputError as error:
            return cls.failed(error.code, error.field, error.message)
        except DomainError as error:
            code: Code = error.code
            field = cls.error_fields.get(code, DEFAULT_FIELDS.get(code))
            return cls.failed(code, field, error.message)
        return cls.succeeded(result)

    @classmethod
    def failed(cls, code: Code, field: str | None, message: str) -> Any:
        # Every other field of the payload is null.
        error = cls.error_type(field=field, message=message, code=code.value)
        return cls(errors=[error])

    @classmethod
    def mutation_name(cls) -> str:
        name: str = cls._meta.name
        return name[0].lower() + name[1:]


def checked_key(key: str) -> str:
    """An idempotency key as the database keeps it: 1 to 255 characters, no NUL."""
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise InputError(
            ApiErrorCode.INVALID, "idempotencyKey", f"1 to {MAX_KEY_LENGTH} characters"
        )
    return key


def once(
    viewer: Viewer,
    mutation: str,
    data: Mapping[str, Any],
    pk: uuid.UUID,
    call: Callable[[], RequestRow],
) -> RequestRow:
    """Run ``call`` unless this caller's idempotency key (``data``'s) already
    succeeded for this mutation: then return the request as it is now, and run
    nothing. The same key with other arguments (another amount, say) is
    refused with ``IDEMPOTENCY_KEY_REUSED``: a replay must not hide a change.

    The key is written in the action's transaction: a call that fails leaves no
    key, and a second call with the same key waits on the first one's row until
    it commits, then replays it."""
    key = data.get("idempotency_key")
    if key is None:
        return call()
    scope = {"caller_id": viewer.caller.id, "mutation": mutation, "key": checked_key(key)}
    print_ = fingerprint(data)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ApiIdempotencyKey.objects.create(request_id=pk, fingerprint=print_, **scope)
        except IntegrityError:
            seen = ApiIdempotencyKey.objects.get(**scope)
            if seen.request_id != pk:
                raise InputError(
                    ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "idempotencyKey",
                    "this key was used for another request",
                ) from None
            if seen.fingerprint and seen.fingerprint != print_:
                raise InputError(
                    ApiErrorCode.IDEMPOTENCY_KEY_REUSED,
                    "idempotencyKey",
                    "this key was used for this request with other arguments",
                ) from None
            return RequestRow.objects.get(pk=pk)
        return call()


def fingerprint(data: Mapping[str, Any]) -> str:
    """A digest of a call's arguments but its key and the version it saw (a
    retry of the same call may have seen a newer version)."""
    rest = {name: value for name, value in data.items() if name not in IGNORED_IN_FINGERPRINT}
    text = json.dumps(rest, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


IGNORED_IN_FINGERPRINT = frozenset({"idempotency_key", "version"})
