"""The sandbox shop's tables: just what an order needs for after-sale service."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..domain.kinds import ItemKind

MONEY = {"max_digits": 20, "decimal_places": 3}


class RefundMode(models.TextChoices):
    SUCCEED = "succeed", "Refunds succeed at once."
    PENDING = "pending", "Refunds wait for a confirmation (like a payment app)."
    FAIL = "fail", "Refunds are refused (to show retries)."


class Channel(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    return_address = models.TextField(default="")
    refund_mode = models.CharField(
        max_length=16, choices=RefundMode.choices, default=RefundMode.SUCCEED
    )
    # Whether the shop issues gift cards (the platform's own money); "fail"
    # shows a platform payment refused and retried.
    gift_card_mode = models.CharField(
        max_length=16,
        choices=[(RefundMode.SUCCEED, "Gift cards are issued."), (RefundMode.FAIL, "Refused.")],
        default=RefundMode.SUCCEED,
    )
    # Per-channel policy values (see policy_config): the sandbox's plugin settings.
    policy = models.JSONField(default=dict, blank=True)
    # The plugin's per-channel switch: off, no new request may be filed here.
    after_sale_enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.slug


class Staff(models.Model):
    """A staff member's rights: manage orders on some channels; be the platform."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, related_name="sandbox_staff", on_delete=models.CASCADE
    )
    manage_orders = models.BooleanField(default=False)
    # Saleor's HANDLE_PAYMENTS: needed to make a decision that pays the buyer.
    handle_payments = models.BooleanField(default=False)
    is_platform = models.BooleanField(default=False)
    channels = models.ManyToManyField(Channel, blank=True)


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT)
    currency = models.CharField(max_length=3)
    shipping_paid = models.DecimalField(**MONEY, default=0)
    shipping_refunded = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ("-created_at",)


class OrderLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    product_name = models.CharField(max_length=255)
    variant_name = models.CharField(max_length=255, blank=True, default="")
    sku = models.CharField(max_length=64)
    product_type = models.CharField(max_length=64, blank=True, default="")
    item_kind = models.CharField(
        max_length=16, choices=[(k.value, k.value) for k in ItemKind], default=ItemKind.GOODS
    )
    declared_unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    quantity = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_refunded_shipped = models.PositiveIntegerField(default=0)
    quantity_refunded_unshipped = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(**MONEY)
    total_paid = models.DecimalField(**MONEY)
    amount_refunded = models.DecimalField(**MONEY, default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A gift card or a digital product: nothing ships.
    is_shipping_required = models.BooleanField(default=True)
    # A gift card line whose card the buyer already spent.
    gift_card_used = models.BooleanField(default=False)

    class Meta:
        ordering = ("order", "sku")


class Payment(models.Model):
    """Money the sandbox sends to a buyer: a refund or a gift card. Written
    ``prepared`` before it is sent to the (pretend) payment provider."""

    created_at = models.DateTimeField(default=timezone.now)
    order = models.ForeignKey(Order, related_name="payments", on_delete=models.PROTECT)
    kind = models.CharField(max_length=16)  # "refund" or "gift_card"
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=255, unique=True)
    # "prepared", "requested", "succeeded", "failed"
    status = models.CharField(max_length=16)
    # Who asked for it (the acting user, or "system").
    author = models.CharField(max_length=64, blank=True, default="")


class ReturnedGoods(models.Model):
    """A request's goods recorded as returned on the order, restocked once they
    arrived."""

    order = models.ForeignKey(Order, related_name="returns", on_delete=models.CASCADE)
    request_id = models.UUIDField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    restocked_at = models.DateTimeField(null=True, blank=True)


class Variant(models.Model):
    """A catalogue variant: what an exchange may send instead of the one bought."""

    sku = models.CharField(max_length=64, unique=True)
    product_name = models.CharField(max_length=255)
    name = models.CharField(max_length=255, blank=True, default="")
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ("sku",)


class ApiToken(models.Model):
    """A bearer token for the sandbox's GraphQL API (Saleor uses its JWTs)."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="sandbox_tokens", on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(default=timezone.now)


class Stock(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    quantity = models.IntegerField(default=0)


class OrderNote(models.Model):
    created_at = models.DateTimeField(default=timezone.now)
    order = models.ForeignKey(Order, related_name="notes", on_delete=models.CASCADE)
    author = models.CharField(max_length=64)
    message = models.TextField()

    class Meta:
        ordering = ("created_at", "id")
