"""Hypothesis sends every mutation arbitrary, well-typed input (IDs of every
shape, any text, any amount and count) as any role: the answer is always the
request or typed errors, never a GraphQL or server error."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_kuai_returns.graphql.core import ids
from saleor_kuai_returns.graphql.schema import build_schema
from saleor_kuai_returns.models import Appeal
from saleor_kuai_returns.sandbox.factory import LineSpec, make_order

from .calls import DOCUMENTS, RESULT_FIELDS
from .conftest import ROLES, line_id, order_id, request_id

STATES = [
    "awaiting_merchant_review",
    "negotiated",
    "awaiting_buyer_return",
    "awaiting_reship",
    "rejected",
    "escalated",
    "arbitration_buyer_evidence",
    "arbitration_merchant_evidence",
    "missed_reship",
    "ruled",
    "appealed",
]
# A settlement's channel: one that owes, one that does not, or any text.
CHANNEL = st.sampled_from(["default-channel", "other-channel"]) | st.text(max_size=300)
INT = st.integers(min_value=-(2**31), max_value=2**31 - 1)
AMOUNT = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["0", "-0", "12.00", "1e-9", "1E+400", "0.001", "99.999"]),
)


def values(kind, known_ids):
    """A strategy for any value of the GraphQL input type ``kind``."""
    if isinstance(kind, GraphQLNonNull):
        return values(kind.of_type, known_ids)
    if isinstance(kind, GraphQLList):
        return st.lists(values(kind.of_type, known_ids), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from([value.name for value in kind.values])
    if isinstance(kind, GraphQLInputObjectType):
        required = {
            name: values(field.type, known_ids)
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        }
        optional = {
            name: st.none() | values(field.type, known_ids)
            for name, field in kind.fields.items()
            if name not in required
        }
        return st.fixed_dictionaries(required, optional=optional)
    assert isinstance(kind, GraphQLScalarType)
    return {
        "ID": st.sampled_from(known_ids) | st.text(max_size=40),
        "String": st.text(max_size=600),
        "Int": INT,
        "Boolean": st.booleans(),
        "Decimal": AMOUNT,
    }[kind.name]


@pytest.fixture
def known_ids(demo, state):
    """IDs of every kind: requests in several states (each on an order of its
    own), an appeal, an order and its lines, a variant, and IDs that name nothing."""
    order = demo.orders["delivered"]
    requests = []
    for name in STATES:
        demo.orders["delivered"] = make_order(
            demo.channel,
            demo.buyer,
            [
                LineSpec("TEE-RED-M", "Cotton tee", 2, "200.00"),
                LineSpec("CAP-BLK", "Cap", 1, "59.90"),
            ],
            delivered_at=timezone.now() - timedelta(days=1),
        )
        requests.append(request_id(state(name)))
    return [
        *requests,
        *(ids.to_global_id(ids.APPEAL, appeal.pk) for appeal in Appeal.objects.all()),
        order_id(order),
        line_id(order, "TEE-RED-M"),
        line_id(order, "CAP-BLK"),
        "TEE-RED-L",
        ids.to_global_id(ids.REQUEST, uuid.uuid4()),
        ids.to_global_id("AfterSaleRequest", "1"),
        ids.to_global_id(ids.ORDER_LINE, "x"),
    ]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_no_mutation_input_produces_an_error_outside_its_typed_errors(api, known_ids, name):
    field = build_schema().get_mutation_type().fields[name]
    strategies = {
        argument: CHANNEL if argument == "channel" else values(spec.type, known_ids)
        for argument, spec in field.args.items()
    }
    arguments = st.fixed_dictionaries(
        {
            argument: strategies[argument]
            for argument, spec in field.args.items()
            if isinstance(spec.type, GraphQLNonNull)
        },
        optional={
            argument: strategies[argument]
            for argument, spec in field.args.items()
            if not isinstance(spec.type, GraphQLNonNull)
        },
    )

    @settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(variables=arguments, role=st.sampled_from(ROLES))
    def call(variables, role):
        # when the role sends these arguments
        response = api(DOCUMENTS[name], variables, as_=role)
        # then the answer is the result (the request, an appeal, a ledger entry), or
        # typed errors
        assert response.status == 200
        result = response.data[name]
        assert (result[RESULT_FIELDS.get(name, "afterSaleRequest")] is None) == bool(
            result["errors"]
        )

    call()
