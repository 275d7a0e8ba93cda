"""After-sale requests and everything that hangs off them.

Saleor rows (orders, lines, users, channels) are referred to by id with a
snapshot of what the rules need, never by foreign key: our migrations then pin no
Saleor migration, and an audit record outlives any edit of the order.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .domain.arbitration import AppealStatus
from .domain.effects import LiabilityKind
from .domain.kinds import (
    REASON_CHOICES,
    REQUEST_TYPE_CHOICES,
    Actor,
    FreightClaimStatus,
    ItemKind,
)
from .domain.policy import PayoutMethod
from .domain.request import DefaultOutcome, Payer, PayoutKind
from .domain.states import STATE_CHOICES, TERMINAL_STATES

MONEY = {"max_digits": 20, "decimal_places": 3}  # as Saleor stores money
ZERO = 0


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


class AfterSaleRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency: bumped by every accepted event; it is also the
    # rules' count of accepted transitions.
    version = models.PositiveIntegerField(default=0)

    order_id = models.UUIDField()
    channel_slug = models.SlugField(max_length=255, db_index=False)  # indexed with state
    buyer_id = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)

    request_type = models.CharField(max_length=32, choices=REQUEST_TYPE_CHOICES)
    reason = models.CharField(max_length=32, choices=REASON_CHOICES)
    state = models.CharField(max_length=40, choices=STATE_CHOICES)
    attempt = models.PositiveSmallIntegerField(default=1)
    before_shipment = models.BooleanField(default=False)
    whole_order_before_shipment = models.BooleanField(default=False)
    description = models.TextField(blank=True, default="")
    evidence_count = models.PositiveSmallIntegerField(default=0)
    return_address = models.TextField(blank=True, default="")

    refund_ceiling = models.DecimalField(**MONEY, default=ZERO)
    requested_amount = models.DecimalField(**MONEY, default=ZERO)
    refunded_amount = models.DecimalField(**MONEY, default=ZERO)
    compensated_amount = models.DecimalField(**MONEY, default=ZERO)
    platform_advanced_amount = models.DecimalField(**MONEY, default=ZERO)

    payout_amount = models.DecimalField(**MONEY, null=True, blank=True)
    payout_kind = models.CharField(max_length=32, choices=_choices(PayoutKind), blank=True)
    payout_payer = models.CharField(max_length=16, choices=_choices(Payer), blank=True)
    payout_attempt = models.PositiveSmallIntegerField(default=0)
    payout_method = models.CharField(max_length=16, choices=_choices(PayoutMethod), blank=True)

    negotiation_message_sent = models.BooleanField(default=False)
    proposal_type = models.CharField(max_length=32, choices=REQUEST_TYPE_CHOICES, blank=True)
    proposal_amount = models.DecimalField(**MONEY, null=True, blank=True)
    proposal_return_address = models.TextField(blank=True, default="")

    freight_claim = models.DecimalField(**MONEY, default=ZERO)
    freight_claim_status = models.CharField(
        max_length=16, choices=_choices(FreightClaimStatus), default=FreightClaimStatus.NONE
    )
    merchant_pays_all_freight = models.BooleanField(default=False)
    late_shipment_compensated = models.BooleanField(default=False)
    merchant_missed_deadline = models.BooleanField(default=False)
    merchant_rejected = models.BooleanField(default=False)
    refund_stalled = models.BooleanField(default=False)
    return_awaiting_restock = models.BooleanField(default=False)

    state_entered_at = models.DateTimeField(default=timezone.now)
    deadline_at = models.DateTimeField(null=True, blank=True)
    deadline_outcome = models.CharField(max_length=32, choices=_choices(DefaultOutcome), blank=True)
    deadline_turn = models.CharField(max_length=16, choices=_choices(Actor), blank=True)
    paused_state = models.CharField(max_length=40, choices=STATE_CHOICES, blank=True)
    paused_remaining = models.DurationField(null=True, blank=True)
    # A default outcome that raised is tried again after this (a broken row must
    # not hold back every deadline behind it); empty: due at ``deadline_at``.
    sweep_retry_at = models.DateTimeField(null=True, blank=True)

    # Shop health (spec §7), kept as decisions happen so the metrics are sums.
    first_merchant_response_at = models.DateTimeField(null=True, blank=True)
    ruled_against_merchant = models.BooleanField(default=False)
    merchant_timeouts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("-created_at", "id")
        indexes = [
            # The sweeper's index: only requests with a running deadline are in it,
            # so its size follows the active requests, not the table.
            models.Index(
                fields=["deadline_at"],
                name="kuai_request_due_idx",
                condition=Q(deadline_at__isnull=False),
            ),
            models.Index(fields=["order_id"], name="kuai_request_order_idx"),
            models.Index(fields=["buyer_id", "-created_at"], name="kuai_request_buyer_idx"),
            models.Index(fields=["channel_slug", "state"], name="kuai_request_channel_idx"),
            models.Index(fields=["channel_slug", "created_at"], name="kuai_request_health_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline_at__isnull=True) | ~Q(state__in=sorted(TERMINAL_STATES)),
                name="kuai_request_terminal_has_no_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_type} {self.id} ({self.state})"


class AfterSaleRequestLine(models.Model):
    """One order line in a request, with the snapshot the rules need."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(AfterSaleRequest, related_name="lines", on_delete=models.CASCADE)
    order_line_id = models.UUIDField()
    quantity = models.PositiveIntegerField()
    # True while the request is active: one active request per order line.
    is_active = models.BooleanField(default=True)

    # The shop's product (Saleor: the product's id): shop health per product.
    product_id = models.CharField(max_length=64, blank=True, default="")
    product_name = models.CharField(max_length=386, blank=True, default="")
    variant_name = models.CharField(max_length=255, blank=True, default="")
    product_sku = models.CharField(max_length=255, blank=True, default="")
    product_type = models.CharField(max_length=255, blank=True, default="")
    item_kind = models.CharField(max_length=16, choices=_choices(ItemKind), default=ItemKind.GOODS)
    currency = models.CharField(max_length=3)
    ordered_quantity = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_refunded_shipped = models.PositiveIntegerField(default=0)
    quantity_refunded_unshipped = models.PositiveIntegerField(default=0)
    total_paid = models.DecimalField(**MONEY)
    unit_price = models.DecimalField(**MONEY)
    amount_refunded = models.DecimalField(**MONEY, default=ZERO)
    declared_unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    needs_shipping = models.BooleanField(default=True)

    class Meta:
        ordering = ("request", "order_line_id")
        constraints = [
            models.UniqueConstraint(
                fields=["order_line_id"],
                condition=Q(is_active=True),
                name="kuai_one_active_request_per_line",
            ),
        ]
        indexes = [models.Index(fields=["order_line_id"], name="kuai_line_order_line_idx")]


class EvidenceKind(StrEnum):
    IMAGE = "image"  # an image URL
    FILE = "file"  # an uploaded file's URL
    TEXT = "text"  # a written statement


class Evidence(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(AfterSaleRequest, related_name="evidence", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    actor_kind = models.CharField(max_length=16, choices=_choices(Actor))
    actor_id = models.CharField(max_length=64, blank=True, default="")
    kind = models.CharField(max_length=8, choices=_choices(EvidenceKind))
    url = models.URLField(max_length=2048, blank=True, default="")
    text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")


class ShipmentKind(StrEnum):
    RETURN = "return"  # the buyer sends goods back
    REPLACEMENT = "replacement"  # the merchant sends an exchange's replacement
    RESHIP = "reship"  # the merchant sends missing items


class Shipment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        AfterSaleRequest, related_name="shipments", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=16, choices=_choices(ShipmentKind))
    carrier = models.CharField(max_length=128)
    tracking_number = models.CharField(max_length=128)
    entered_by_kind = models.CharField(max_length=16, choices=_choices(Actor))
    entered_by_id = models.CharField(max_length=64, blank=True, default="")
    # Exchange: the variant sent for each line, [{"line_id", "variant_id", "quantity"}].
    items = models.JSONField(default=list, blank=True)
    # The shop's record of goods the merchant sent (in Saleor: the replacement
    # draft order's id); empty until recorded, and recorded once.
    host_reference = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")


class MovementKind(StrEnum):
    REFUND = "refund"  # money back through the order's payment
    PRIORITY_COMPENSATION = "priority_compensation"  # missing items paid by the platform
    LATE_SHIPMENT_COMPENSATION = "late_shipment_compensation"


class MovementStatus(StrEnum):
    PENDING = "pending"  # recorded; not yet handed to the shop
    # Handed to the shop (its records of the payment are written), not known
    # to have reached the payment provider: a run that died here is resumed
    # from the shop's records, never paid again.
    SENDING = "sending"
    REQUESTED = "requested"  # sent; waiting for the provider's confirmation
    SUCCEEDED = "succeeded"  # the money reached the buyer
    FAILED = "failed"  # the provider refused; a retry creates a new attempt
    # Not sent: an earlier attempt of the same payout reached the buyer, or is
    # still with the provider (and was asked again).
    SUPERSEDED = "superseded"
    # Not sent: the shop had refunded these units already (checked at payout).
    NOT_NEEDED = "not_needed"


FINAL_MOVEMENT_STATUSES = frozenset(
    {
        MovementStatus.SUCCEEDED,
        MovementStatus.FAILED,
        MovementStatus.SUPERSEDED,
        MovementStatus.NOT_NEEDED,
    }
)


class MoneyMovement(models.Model):
    """One payment to the buyer. The idempotency key is unique: the same key
    never pays twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        AfterSaleRequest, related_name="money_movements", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=32, choices=_choices(MovementKind))
    method = models.CharField(max_length=16, choices=_choices(PayoutMethod))
    payer = models.CharField(max_length=16, choices=_choices(Payer))
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=16, choices=_choices(MovementStatus), default=MovementStatus.PENDING
    )
    # The shop's record of this payment (Saleor: the granted refund, the legacy
    # payment, the gift card), stored in the transaction that wrote it: the only
    # link between the two, whatever staff later edit in the dashboard.
    provider_reference = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    # Why the amount sent differs from the one decided (capped at payout).
    note = models.TextField(blank=True, default="")
    # Who made the decision that pays ("user:…", "app:…", "system"): the author
    # of the shop's refund in its dashboard.
    requested_by = models.CharField(max_length=64, blank=True, default="")
    # Paid by the platform for the merchant: once it succeeds the merchant owes
    # the platform the amount (a ledger entry of this kind).
    liability_kind = models.CharField(
        max_length=40, choices=_choices(LiabilityKind), blank=True, default=""
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["status"], name="kuai_movement_status_idx")]

    @property
    def family(self) -> str:
        """The payout this attempt belongs to: every attempt of one payout
        shares it (``kuai:<request>:payout``), so one of them pays at most."""
        return self.idempotency_key.rsplit(":", 1)[0]


class LiabilityEntry(models.Model):
    """The merchant liability ledger, per channel (spec §5): what the platform
    paid for a merchant (positive) and the settlements that paid it back
    (negative). The balance is the sum; it only ever moves by entries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    channel_slug = models.SlugField(max_length=255, db_index=False)  # indexed with created_at
    # The request and the platform's payment an entry comes from; none for a settlement.
    request = models.ForeignKey(
        AfterSaleRequest,
        related_name="liabilities",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    movement = models.OneToOneField(
        MoneyMovement,
        related_name="liability",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=40, choices=_choices(LiabilityKind))
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # A platform payment's entry is keyed by its payout (``<family>:liability``),
    # not by the attempt that paid: one payout is owed once.
    idempotency_key = models.CharField(max_length=255, unique=True)
    # Who recorded a settlement, and its reference (a bank transfer, an invoice).
    recorded_by = models.CharField(max_length=64, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["channel_slug", "created_at"], name="kuai_liability_idx")]


class TimelineEvent(models.Model):
    """Who did what, when, with what note (spec §6)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(AfterSaleRequest, related_name="timeline", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    actor_kind = models.CharField(max_length=16, choices=_choices(Actor))
    actor_id = models.CharField(max_length=64, blank=True, default="")
    event = models.CharField(max_length=48)
    from_state = models.CharField(max_length=40, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=40, choices=STATE_CHOICES)
    note = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField()

    class Meta:
        ordering = ("created_at", "version")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "version"], name="kuai_one_event_per_version"
            ),
        ]


class Appeal(models.Model):
    """A merchant's appeal of a ruling against it, reviewed by the platform."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(AfterSaleRequest, related_name="appeals", on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ruling = models.CharField(max_length=48)  # the ruling's event
    ruled_at = models.DateTimeField()
    filed_by = models.CharField(max_length=64)
    reason = models.TextField()
    status = models.CharField(
        max_length=16, choices=_choices(AppealStatus), default=AppealStatus.OPEN
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=64, blank=True, default="")
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            # A ruling is appealed once.
            models.UniqueConstraint(
                fields=["request", "ruled_at"], name="kuai_one_appeal_per_ruling"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="kuai_appeal_status_idx")]


class ApiIdempotencyKey(models.Model):
    """A mutation that may move money, done once per caller and key: a repeated
    call with the same key gets the request back and changes nothing. Written in
    the transaction of the action, so only a call that succeeded holds a key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    caller_id = models.CharField(max_length=64)
    mutation = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    # Not a foreign key: the row is written before the action looks the request up.
    request_id = models.UUIDField()
    # The call's other arguments (a digest): the same key with other arguments
    # is a mistake, refused rather than replayed.
    fingerprint = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["caller_id", "mutation", "key"], name="kuai_one_call_per_api_key"
            ),
        ]


class FollowUpKind(StrEnum):
    PAY = "pay"  # send a money movement
    RECORD_RETURN = "record_return"  # the return on the shop's order
    RESTOCK_RETURN = "restock_return"  # returned goods back in stock
    SEND_GOODS = "send_goods"  # a replacement or reship on the shop's order
    ORDER_NOTES = "order_notes"  # notes on the shop's order timeline


class FollowUp(models.Model):
    """Work the shop must do after a decision, written in the decision's own
    transaction (a transactional outbox): a broker that is down at commit, or a
    worker killed half-way, delays it and never loses it. A task runs it; the
    sweeper sends again what lingers. Every handler is idempotent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=16, choices=_choices(FollowUpKind))
    request = models.ForeignKey(
        AfterSaleRequest,
        related_name="follow_ups",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    movement = models.ForeignKey(
        MoneyMovement,
        related_name="follow_ups",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    payload = models.JSONField(default=list, blank=True)
    # Runs started so far, and how many of them raised; the next may start at
    # ``next_attempt_at`` (a run holds the row by moving it a lease ahead).
    attempts = models.PositiveSmallIntegerField(default=0)
    failures = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # Given up after too many failed runs: the audit reports it.
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "id")
        indexes = [
            # What the sweeper sends again: only open work is in it.
            models.Index(
                fields=["next_attempt_at"],
                name="kuai_follow_up_due_idx",
                condition=Q(done_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
