"""The sandbox's endpoint over real HTTP (GraphQL over HTTP): JSON in and out,
bearer tokens, GraphiQL for browsers, errors as JSON with their status."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from saleor_kuai_returns.models import ApiIdempotencyKey, MoneyMovement
from saleor_kuai_returns.sandbox import models as shop
from saleor_kuai_returns.sandbox.factory import token_for

from .calls import DOCUMENTS
from .conftest import request_id
from .states import filed

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ afterSaleRequests(first: 5) { totalCount } }"


def send(url, body=None, *, token=None, method="POST", headers=None, raw=None):
    """One HTTP exchange; returns (status, content type, body text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.fixture
def endpoint(live_server):
    return f"{live_server.url}/graphql/"


def test_a_post_with_a_token_runs_as_its_user(endpoint, demo):
    # given one request of the buyer
    filed(demo)
    # when the buyer and the other buyer ask for their requests
    mine = send(endpoint, {"query": ME}, token=token_for(demo.buyer))
    theirs = send(endpoint, {"query": ME}, token=token_for(demo.other_buyer))
    # then
    assert mine == (
        200,
        "application/json",
        json.dumps({"data": {"afterSaleRequests": {"totalCount": 1}}}),
    )
    assert json.loads(theirs[2]) == {"data": {"afterSaleRequests": {"totalCount": 0}}}


def test_a_mutation_over_http_files_and_answers_with_typed_errors(endpoint, demo):
    # given a request in review
    request = filed(demo)
    # when the buyer approves it (not theirs to approve), then the merchant does
    document = DOCUMENTS["afterSaleRequestApprove"]
    variables = {"id": request_id(request)}
    denied = send(
        endpoint, {"query": document, "variables": variables}, token=token_for(demo.buyer)
    )
    done = send(
        endpoint, {"query": document, "variables": variables}, token=token_for(demo.merchant)
    )
    # then
    assert json.loads(denied[2])["data"]["afterSaleRequestApprove"]["errors"] == [
        {
            "field": None,
            "code": "PERMISSION_DENIED",
            "message": "this caller cannot act as the merchant on this request",
        }
    ]
    approved = json.loads(done[2])["data"]["afterSaleRequestApprove"]
    assert (approved["errors"], approved["afterSaleRequest"]["state"]) == (
        [],
        "AWAITING_BUYER_RETURN",
    )


def test_anonymous_reads_get_saleors_permission_error(endpoint, demo):
    # when nobody signed in asks
    status, _, body = send(endpoint, {"query": ME})
    # then
    assert (status, json.loads(body)) == (
        200,
        {
            "data": {"afterSaleRequests": None},
            "errors": [
                {
                    "message": "Sign in to see after-sale requests.",
                    "locations": [{"line": 1, "column": 3}],
                    "path": ["afterSaleRequests"],
                    "extensions": {"exception": {"code": "PermissionDenied"}},
                }
            ],
        },
    )


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", "Token x"])
def test_a_bad_token_is_refused_with_401(endpoint, demo, header):
    # when
    status, content_type, body = send(endpoint, {"query": ME}, headers={"Authorization": header})
    # then
    assert (status, content_type, json.loads(body)) == (
        401,
        "application/json",
        {"errors": [{"message": "Invalid or unknown token in the Authorization header."}]},
    )


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{", 400, "The body is not valid JSON."),
        (b"[]", 400, "The body must be a JSON object."),
        (b"{}", 400, "Give the GraphQL document as `query`."),
        (b'{"query": "{ a }", "variables": [1]}', 400, "`variables` must be a JSON object."),
        (b'{"query": "{ a }", "operationName": 3}', 400, "`operationName` must be a string."),
    ],
)
def test_a_malformed_body_is_a_400_with_a_json_error(endpoint, demo, raw, status, message):
    # when
    response = send(endpoint, raw=raw, token=token_for(demo.buyer))
    # then
    assert (response[0], json.loads(response[2])) == (status, {"errors": [{"message": message}]})


def test_an_invalid_document_is_a_400_with_graphql_errors(endpoint, demo):
    # when
    status, _, body = send(endpoint, {"query": "{ nope }"}, token=token_for(demo.buyer))
    # then
    assert (status, [e["message"] for e in json.loads(body)["errors"]]) == (
        400,
        ['Cannot query field "nope" on type "Query".'],
    )


def test_a_get_runs_queries_but_not_mutations(endpoint, demo):
    # given
    token = token_for(demo.buyer)
    query = urllib.parse.urlencode({"query": ME})
    mutation = urllib.parse.urlencode(
        {"query": 'mutation { afterSaleRequestCancel(id: "x") { errors { code } } }'}
    )
    # when
    read = send(f"{endpoint}?{query}", method="GET", token=token)
    write = send(f"{endpoint}?{mutation}", method="GET", token=token)
    # then
    assert json.loads(read[2]) == {"data": {"afterSaleRequests": {"totalCount": 0}}}
    assert (write[0], json.loads(write[2])) == (
        405,
        {"errors": [{"message": "Mutations are sent with POST."}]},
    )


def test_a_get_with_a_syntax_error_is_a_400(endpoint, demo):
    # when
    query = urllib.parse.urlencode({"query": "{ afterSaleRequests("})
    status, _, body = send(f"{endpoint}?{query}", method="GET", token=token_for(demo.buyer))
    # then
    assert (status, [e["message"] for e in json.loads(body)["errors"]]) == (
        400,
        [
            "Syntax Error GraphQL (1:21) Expected Name, found EOF\n\n1: { afterSaleRequests(\n                       ^\n"
        ],
    )


def test_other_methods_and_content_types_are_refused(endpoint, demo):
    # when
    put = send(endpoint, {"query": ME}, method="PUT")
    form = send(
        endpoint, raw=b"query=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    # then
    assert [(put[0], json.loads(put[2])), (form[0], json.loads(form[2]))] == [
        (405, {"errors": [{"message": "Use GET or POST."}]}),
        (415, {"errors": [{"message": "Send the request as application/json."}]}),
    ]


def test_a_browser_gets_graphiql_pointing_at_the_endpoint(endpoint, live_server):
    # when a browser opens the endpoint
    status, content_type, page = send(endpoint, method="GET", headers={"Accept": "text/html"})
    # then
    assert (status, content_type) == (200, "text/html; charset=utf-8")
    assert 'GraphiQL.createFetcher({ url: "/graphql/" })' in page
    assert "https://unpkg.com/graphiql@" in page


def test_concurrent_calls_with_one_idempotency_key_pay_once(endpoint, demo):
    # given a refund-only request in review
    request = filed(demo, "refund")
    token = token_for(demo.merchant)
    body = {
        "query": DOCUMENTS["afterSaleRequestApprove"],
        "variables": {"id": request_id(request), "idempotencyKey": "double-click"},
    }
    start = threading.Barrier(4)
    answers = []

    def approve():
        start.wait()
        answers.append(json.loads(send(endpoint, body, token=token)[2]))

    # when four calls with the same key arrive at once
    threads = [threading.Thread(target=approve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then each succeeded on the same request, and the buyer was paid once
    assert [
        (
            a["data"]["afterSaleRequestApprove"]["errors"],
            a["data"]["afterSaleRequestApprove"]["afterSaleRequest"]["id"],
        )
        for a in answers
    ] == [([], request_id(request))] * 4
    assert MoneyMovement.objects.filter(request=request).count() == 1
    assert shop.Payment.objects.count() == 1
    assert ApiIdempotencyKey.objects.count() == 1
