"""The sandbox's scalars: amounts and instants as numbers, strings and literals;
anything else is refused by GraphQL's validation (a client error, never a server
error)."""

from __future__ import annotations

import pytest

from .conftest import request_id

CLAIM_LITERAL = (
    "mutation($id: ID!) { afterSaleReturnFreightClaim(id: $id, amount: %s) "
    "{ afterSaleRequest { freightClaim { amount { amount } } } errors { code } } }"
)
CLAIM = (
    "mutation($id: ID!, $amount: Decimal!) { afterSaleReturnFreightClaim(id: $id, amount: $amount) "
    "{ afterSaleRequest { freightClaim { amount { amount } } } errors { code } } }"
)
DUE = "query($at: DateTime) { afterSaleRequests(first: 5, filter: { deadlineAfter: $at }) { totalCount } }"
DUE_LITERAL = "{ afterSaleRequests(first: 5, filter: { deadlineAfter: %s }) { totalCount } }"


@pytest.mark.parametrize("literal", ["12", "12.0", '"12.00"'])
def test_an_amount_is_a_number_or_a_string_literal(api, state, literal):
    request = state("awaiting_buyer_return")
    response = api(CLAIM_LITERAL % literal, {"id": request_id(request)})
    claim = response.data["afterSaleReturnFreightClaim"]
    assert claim == {
        "afterSaleRequest": {"freightClaim": {"amount": {"amount": 12.0}}},
        "errors": [],
    }


@pytest.mark.parametrize("value", [12, 12.0, "12.00", " 12 "])
def test_an_amount_variable_is_a_number_or_a_string(api, state, value):
    request = state("awaiting_buyer_return")
    response = api(CLAIM, {"id": request_id(request), "amount": value})
    assert response.data["afterSaleReturnFreightClaim"]["errors"] == []


@pytest.mark.parametrize("value", ["twelve", "NaN", "Infinity", True, [1]])
def test_what_is_not_an_amount_is_refused_by_validation(api, state, value):
    request = state("awaiting_buyer_return")
    before = request.version
    response = api(CLAIM, {"id": request_id(request), "amount": value})
    assert (response.status, "data" in response.body, len(response.body["errors"])) == (
        400,
        False,
        1,
    )
    assert response.body["errors"][0]["message"].startswith('Variable "$amount" got invalid value')
    request.refresh_from_db()
    assert request.version == before


@pytest.mark.parametrize("literal", ['"abc"', "[12]", "true"])
def test_what_is_not_an_amount_literal_is_refused_by_validation(api, state, literal):
    request = state("awaiting_buyer_return")
    response = api(CLAIM_LITERAL % literal, {"id": request_id(request)})
    assert response.status == 400


@pytest.mark.parametrize(
    ("value", "count"),
    [("2000-01-01T00:00:00+00:00", 1), ("2000-01-01T00:00:00", 1), ("9999-01-01T00:00:00Z", 0)],
)
def test_an_instant_is_an_iso_string_naive_ones_in_utc(api, state, value, count):
    state("awaiting_merchant_review")
    variable = api(DUE, {"at": value}, as_="merchant").data
    literal = api(DUE_LITERAL % f'"{value}"', as_="merchant").data
    assert variable == literal == {"afterSaleRequests": {"totalCount": count}}


@pytest.mark.parametrize("value", ["yesterday", 5, "2000-13-01T00:00:00"])
def test_what_is_not_an_instant_is_refused_by_validation(api, value):
    response = api(DUE, {"at": value}, as_="merchant")
    assert response.status == 400


def test_a_non_string_instant_literal_is_refused_by_validation(api):
    response = api(DUE_LITERAL % "5", as_="merchant")
    assert response.status == 400
