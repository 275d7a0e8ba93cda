"""The schema's contract: printed and checked in, described everywhere, names
that fit in Saleor's schema, one error class per mutation, and the host's own
types used where it names them."""

from __future__ import annotations

import re
from pathlib import Path

import graphene
from django.test import override_settings
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    parse,
    validate,
)

from saleor_kuai_returns.cli import graphql_schema
from saleor_kuai_returns.graphql.schema import Mutation, Query, build_schema

from .conftest import request_id

ROOT = Path(__file__).resolve().parents[2]
# Types the API shares with Saleor's schema: graphene's relay types (the same
# classes in both), and those the host replaces with its own (ShopGraphQLTypes).
SHARED = {"Node", "PageInfo"}
REPLACED_BY_THE_HOST = {"Money", "DateTime", "Decimal"}
ROOTS = {"Query", "Mutation"}
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def our_types(schema):
    return {
        name: named
        for name, named in schema.get_type_map().items()
        if not name.startswith("__") and name not in BUILT_IN | SHARED
    }


def test_the_checked_in_schema_is_the_printed_one():
    # given the contract file (regenerate with `bin/run schema > graphql/schema.graphql`)
    checked_in = (ROOT / "graphql" / "schema.graphql").read_text()
    # when the schema is printed
    printed = graphql_schema()
    # then
    assert printed == checked_in


def test_every_type_name_is_prefixed_or_replaced_by_the_host():
    names = set(our_types(build_schema()))
    assert sorted(n for n in names if not n.startswith("AfterSale")) == sorted(
        REPLACED_BY_THE_HOST | ROOTS
    )


def test_every_type_field_argument_and_enum_value_has_a_sentence():
    # given every description of our types
    descriptions = {}
    for name, named in our_types(build_schema()).items():
        descriptions[name] = named.description
        if isinstance(named, GraphQLEnumType):
            descriptions.update({f"{name}.{v.name}": v.description for v in named.values})
        if isinstance(named, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                descriptions[f"{name}.{field_name}"] = field.description
                for arg_name, arg in getattr(field, "args", {}).items():
                    descriptions[f"{name}.{field_name}({arg_name})"] = arg.description
    # then each is a sentence ending with a period
    assert [key for key, text in descriptions.items() if not (text or "").endswith(".")] == []


# What a mutation answers besides its errors: the request, unless named here.
PAYLOADS = {
    "afterSaleAppealFile": {"appeal", "afterSaleRequest"},
    "afterSaleAppealDecide": {"appeal", "afterSaleRequest"},
    "afterSaleSettlementRecord": {"liabilityEntry", "balance"},
}


def test_each_mutation_has_its_own_error_class_and_codes():
    schema = build_schema()
    for name, field in schema.get_mutation_type().fields.items():
        payload = field.type
        errors = payload.fields["errors"].type.of_type.of_type.of_type
        code = errors.fields["code"].type.of_type
        assert (errors.name, code.name) == (f"{payload.name}Error", f"{payload.name}ErrorCode")
        assert payload.name[0].lower() + payload.name[1:] == name
        assert set(payload.fields) == PAYLOADS.get(name, {"afterSaleRequest"}) | {"errors"}
        assert set(errors.fields) == {"field", "message", "code"}


def test_money_moving_mutations_take_an_idempotency_key_and_every_request_one_a_version():
    fields = build_schema().get_mutation_type().fields
    keyed = sorted(name for name, field in fields.items() if "idempotencyKey" in field.args)
    versioned = sorted(name for name, field in fields.items() if "version" in field.args)
    assert keyed == [
        "afterSaleProposalAccept",
        "afterSaleReceiptConfirm",
        "afterSaleRefundRetry",
        "afterSaleRefundWithoutReturn",
        "afterSaleRequestApprove",
        "afterSaleReshipDecline",
        "afterSaleRulingBuyerWinsRefund",
        "afterSaleRulingPartialRefund",
        "afterSaleRulingUnjustifiedRejection",
        "afterSaleRulingWrongItem",
        "afterSaleSettlementRecord",
    ]
    # all but the filing, an appeal's decision (the appeal is decided once) and a
    # settlement (no request): they act on no request the caller saw
    assert versioned == sorted(
        set(fields)
        - {"afterSaleRequestCreate", "afterSaleAppealDecide", "afterSaleSettlementRecord"}
    )


def test_every_platform_action_takes_a_note():
    # given the mutations only the platform calls
    fields = build_schema().get_mutation_type().fields
    platform = [
        *(
            name
            for name in sorted(fields)
            if name.startswith(("afterSaleRuling", "afterSaleArbitration"))
            and name != "afterSaleArbitrationEvidenceSubmit"
        ),
        "afterSaleAppealDecide",
    ]
    # then each keeps the platform's note (a settlement keeps its reference)
    assert [name for name in platform if "note" not in fields[name].args] == []
    assert "reference" in fields["afterSaleSettlementRecord"].args
    assert len(platform) == 11


@override_settings(KUAI_RETURNS_HOST="tests.api.hosts.ShopTypedHost")
def test_the_hosts_own_types_replace_ours():
    # when a schema is built on a host that names its types
    schema = graphene.Schema(query=Query, mutation=Mutation)
    # then money, instants, amounts and the order are the shop's, and ours are absent
    types = schema.get_type_map()
    request = types["AfterSaleRequest"]
    assert (
        str(request.fields["refundCeiling"].type),
        str(request.fields["createdAt"].type),
        str(request.fields["order"].type),
        str(types["AfterSaleProposalCreateInput"].fields["amount"].type),
    ) == ("ShopMoney!", "ShopDateTime!", "ShopOrder", "ShopDecimal")
    assert not {"Money", "DateTime", "Decimal", "AfterSaleOrder"} & set(types)
    assert all(isinstance(types[n], GraphQLScalarType) for n in ["ShopDateTime", "ShopDecimal"])


@override_settings(KUAI_RETURNS_HOST="tests.api.hosts.ShopTypedHost")
def test_the_order_field_resolves_through_the_host(state, demo, django_capture_on_commit_callbacks):
    # given a request and a schema on a host with its own order type
    request = state("awaiting_merchant_review")
    schema = graphene.Schema(query=Query, mutation=Mutation)
    context = type("Context", (), {"user": demo.buyer})()
    # when the buyer reads the request's order and amounts
    result = schema.execute(
        "query($id: ID!) { afterSaleRequest(id: $id) { order { id itemCount } "
        "requestedAmount { amount cents } } }",
        variable_values={"id": request_id(request)},
        context_value=context,
    )
    # then they come from the shop's types
    assert result.errors is None
    assert result.data == {
        "afterSaleRequest": {
            "order": {"id": str(request.order_id), "itemCount": 3},
            "requestedAmount": {"amount": 100.0, "cents": 10000},
        }
    }


def test_the_cost_map_names_fields_of_the_schema():
    from saleor_kuai_returns.graphql.cost import COST_MAP

    types = build_schema().get_type_map()
    assert [
        f"{type_name}.{field}"
        for type_name, fields in COST_MAP.items()
        for field, cost in fields.items()
        if field not in types[type_name].fields
        or not set(cost.get("multipliers", [])) <= set(types[type_name].fields[field].args)
    ] == []


def test_the_readmes_graphql_examples_are_valid():
    # given the GraphQL blocks of the README's API section
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## GraphQL API", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```graphql\n(.*?)```", section, flags=re.DOTALL)
    # when each is validated
    errors = [error.message for block in blocks for error in validate(build_schema(), parse(block))]
    # then
    assert (len(blocks), errors) == (3, [])
