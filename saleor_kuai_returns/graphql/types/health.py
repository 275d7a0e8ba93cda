"""``AfterSaleShopHealth``: spec §7's metrics of a channel or one of its products."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import graphene

from ...health import Health
from ..core import ids


class AfterSaleShopHealth(graphene.ObjectType):
    channel_slug = graphene.String(required=True, description="Slug of the channel.")
    product_id = graphene.ID(
        description="The product (a `Product` ID) of a product's row; `null` on the channel's row."
    )
    window_days = graphene.Int(
        required=True, description="The rolling window, in days up to now, the row counts."
    )
    orders = graphene.Int(
        required=True, description="Orders placed in the window (with the product, on its row)."
    )
    lines_shipped = graphene.Int(required=True, description="Order lines of those that shipped.")
    requests = graphene.Int(required=True, description="After-sale requests filed in the window.")
    returned_lines = graphene.Int(
        required=True,
        description="Lines of those requests that ended refunded or replaced after shipment.",
    )
    return_rate = graphene.Float(
        description="Returned lines ÷ lines shipped, as a fraction with four places "
        "(0.1234 is 12.34 %); `null` when nothing shipped."
    )
    disputes_lost = graphene.Int(
        required=True,
        description="Requests of the window the platform ruled against the merchant on "
        "(an upheld appeal takes one back).",
    )
    dispute_rate = graphene.Float(
        description="Disputes lost ÷ orders, as a fraction with four places; `null` without orders."
    )
    merchant_timeouts = graphene.Int(
        required=True,
        description="Requests approved or refunded by default because the merchant "
        "let a deadline pass.",
    )
    merchant_timeout_rate = graphene.Float(
        description="Merchant timeouts ÷ requests, as a fraction with four places; `null` "
        "without requests."
    )
    average_first_response = graphene.Int(
        description="Average time from filing to the merchant's first action, in seconds "
        "(rounded); `null` when the merchant answered none of the window's requests."
    )

    class Meta:
        description = (
            "Shop health of a channel, or of one of its products, over a rolling window: "
            "return, dispute and merchant timeout rates and the average first response. "
            "Counted over the requests filed in the window and the orders placed in it."
        )

    @staticmethod
    def resolve_product_id(root: Health, _info: Any) -> str | None:
        return ids.to_global_id(ids.PRODUCT, root.product_id) if root.product_id else None

    @staticmethod
    def resolve_window_days(root: Health, _info: Any) -> int:
        return (root.until - root.since) // timedelta(days=1)

    @staticmethod
    def resolve_average_first_response(root: Health, _info: Any) -> int | None:
        response = root.average_first_response
        return None if response is None else round(response.total_seconds())
