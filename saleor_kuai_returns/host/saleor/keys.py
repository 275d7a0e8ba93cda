"""Metadata keys: the ones shop staff set on the catalogue for us to read, and
the private ones we write on Saleor's rows so that every write happens once."""

from __future__ import annotations

# Variant (then product) metadata of accessories and gifts.
ITEM_KIND_KEY = "kuai_returns.item_kind"  # "goods", "accessory", "gift"
DECLARED_PRICE_KEY = "kuai_returns.declared_price"  # the product page price

# Private metadata we write.
IDEMPOTENCY_KEY = "kuai_returns.idempotency_key"  # gift cards, legacy refunds
REFUND_LINES_KEY = "kuai_returns.refund_lines"  # legacy refunds: {line id: units}
RETURN_FOR_KEY = "kuai_returns.return_for"  # returned fulfillment: the request id
RESTOCKED_KEY = "kuai_returns.restocked"  # returned fulfillment: "true" once restocked
RELEASE_FOR_KEY = "kuai_returns.release_for"  # refunded unshipped units: the request id
SHIPMENT_KEY = "kuai_returns.shipment"  # replacement draft order: our shipment id
ORDER_ID_KEY = "kuai_returns.order_id"  # gift cards: the order they were issued for
