"""Query costs of the API's fields, in the format of Saleor's
``saleor.graphql.query_cost_map.COST_MAP`` (fields Saleor finds there cost
nothing): merge each type's entries into it where the schema is mixed in."""

from __future__ import annotations

from typing import Any

COST_MAP: dict[str, dict[str, dict[str, Any]]] = {
    "Query": {
        "afterSaleRequest": {"complexity": 1},
        "afterSaleRequests": {"complexity": 1, "multipliers": ["first", "last"]},
        "afterSaleEligibility": {"complexity": 1},
        "afterSaleLedger": {"complexity": 1},
        "afterSaleShopHealth": {"complexity": 1},
        "afterSaleAppeals": {"complexity": 1, "multipliers": ["first", "last"]},
    },
    "AfterSaleRequest": {
        "order": {"complexity": 1},
        "lines": {"complexity": 1},
        "evidence": {"complexity": 1},
        "shipments": {"complexity": 1},
        "moneyMovements": {"complexity": 1},
        "timeline": {"complexity": 1},
        "appeals": {"complexity": 1},
    },
    "AfterSaleEligibility": {"lines": {"complexity": 1}},
    "AfterSaleAppeal": {"request": {"complexity": 1}},
    "AfterSaleLedgerStatement": {"entries": {"complexity": 1}},
    "AfterSaleLiabilityEntry": {"request": {"complexity": 1}},
}
