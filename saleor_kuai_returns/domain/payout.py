"""The payout's own rule (spec §5): a refund never pays more than is still
refundable when it is sent. Between the decision and the payment the shop may
refund the same units itself (staff in its dashboard), or a gift card bought on
the line may be spent; the decided amount is then capped."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .eligibility import OrderSnapshot
from .money import capped_payout, payout_ceiling, quantize
from .request import PayoutKind, RequestView


@dataclass(frozen=True)
class PayoutCheck:
    """What a payout attempt may send now."""

    decided: Decimal
    payable: Decimal

    @property
    def capped(self) -> bool:
        return self.payable < self.decided

    @property
    def nothing_left(self) -> bool:
        return self.payable <= 0

    def explain(self, currency: str) -> str:
        """Why less is paid than decided, amounts in the currency's precision."""
        if not self.capped:
            return ""
        decided, payable = quantize(self.decided, currency), quantize(self.payable, currency)
        if payable > 0:
            return (
                f"capped from {decided} to {payable} {currency}: the shop refunded some of "
                "these units meanwhile"
            )
        return f"nothing paid: the shop had already refunded these units ({decided} {currency})"


def check_payout(
    view: RequestView, amount: Decimal, kind: PayoutKind, order: OrderSnapshot
) -> PayoutCheck:
    """Cap a refund of ``amount`` by the request's units as the shop stands now.
    Compensation (priority, late shipment) is not a refund of paid units and is
    paid as decided."""
    if kind is not PayoutKind.REFUND:
        return PayoutCheck(amount, amount)
    units = []
    for line in view.lines:
        now = order.lines.get(line.snapshot.line_id)
        if now is None or now.gift_card_used:
            continue  # a line gone from the order, or a spent gift card: nothing to refund
        units.append((now.payment, line.quantity))
    ceiling = payout_ceiling(
        units,
        view.currency,
        shipping_left=order.shipping_paid - order.shipping_refunded,
        whole_order_before_shipment=view.whole_order_before_shipment,
        freight=view.freight_owed,
    )
    return PayoutCheck(amount, capped_payout(amount, ceiling))
