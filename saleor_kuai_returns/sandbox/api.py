"""The sandbox's GraphQL endpoint (GraphQL over HTTP): POST JSON ``{query,
variables, operationName}``; GET runs a query from the URL, or shows GraphiQL
to a browser. ``Authorization: Bearer <token>`` signs in as the token's user
(Saleor uses its JWTs; the sandbox its ``ApiToken`` rows)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLError, parse
from graphql.error import format_error as format_graphql_error
from graphql.language.ast import OperationDefinition

from ..graphql.schema import build_schema
from . import models as shop

GRAPHIQL_VERSION = "3.8.3"
REACT_VERSION = "18.3.1"


class BadRequest(Exception):
    """The HTTP request does not carry a GraphQL request."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@csrf_exempt
def graphql_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and _wants_html(request) and "query" not in request.GET:
        return HttpResponse(_graphiql_page(request.path), content_type="text/html; charset=utf-8")
    try:
        request.user = _user_of(request)
        query, variables, operation = _graphql_request(request)
        if request.method == "GET" and _is_mutation(query, operation):
            raise BadRequest("Mutations are sent with POST.", status=405)
    except BadRequest as error:
        return _errors([{"message": str(error)}], error.status)
    result = build_schema().execute(
        query, variable_values=variables, operation_name=operation, context_value=request
    )
    body: dict[str, Any] = {} if result.invalid else {"data": result.data}
    if result.errors:
        body["errors"] = [_format(error) for error in result.errors]
    return JsonResponse(body, status=400 if result.invalid else 200)


def _user_of(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    if not header:
        return AnonymousUser()
    scheme, _, key = header.partition(" ")
    token = (
        shop.ApiToken.objects.select_related("user").filter(key=key.strip()).first()
        if scheme.lower() == "bearer" and key.strip() and "\x00" not in key
        else None
    )
    if token is None or not token.user.is_active:
        raise BadRequest("Invalid or unknown token in the Authorization header.", status=401)
    return token.user


def _graphql_request(request: HttpRequest) -> tuple[str, dict[str, Any] | None, str | None]:
    if request.method == "GET":
        payload: Any = {
            "query": request.GET.get("query"),
            "variables": _json(request.GET.get("variables")),
            "operationName": request.GET.get("operationName"),
        }
    elif request.method == "POST":
        if request.content_type != "application/json":
            raise BadRequest("Send the request as application/json.", status=415)
        payload = _json(request.body.decode("utf-8", errors="replace"))
    else:
        raise BadRequest("Use GET or POST.", status=405)
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object.")
    query, variables, operation = (
        payload.get("query"),
        payload.get("variables"),
        payload.get("operationName"),
    )
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("Give the GraphQL document as `query`.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object.")
    if operation is not None and not isinstance(operation, str):
        raise BadRequest("`operationName` must be a string.")
    return query, variables, operation


def _json(text: str | None) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise BadRequest("The body is not valid JSON.") from None


def _is_mutation(query: str, operation: str | None) -> bool:
    try:
        document = parse(query)
    except GraphQLError:
        return False  # execution reports the syntax error
    return any(
        isinstance(definition, OperationDefinition)
        and definition.operation == "mutation"
        and (operation is None or (definition.name and definition.name.value == operation))
        for definition in document.definitions
    )


def _format(error: Any) -> dict[str, Any]:
    """As Saleor formats them: the message, where, and the exception's class name."""
    formatted: dict[str, Any] = format_graphql_error(error)
    original = getattr(error, "original_error", None) or error
    formatted["extensions"] = {"exception": {"code": type(original).__name__}}
    return formatted


def _errors(errors: list[dict[str, Any]], status: int) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


def _wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _graphiql_page(endpoint: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>After-sale API — GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@{GRAPHIQL_VERSION}/graphiql.min.css">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="https://unpkg.com/react@{REACT_VERSION}/umd/react.production.min.js"></script>
  <script src="https://unpkg.com/react-dom@{REACT_VERSION}/umd/react-dom.production.min.js"></script>
  <script src="https://unpkg.com/graphiql@{GRAPHIQL_VERSION}/graphiql.min.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: {json.dumps(endpoint)} }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        defaultHeaders: JSON.stringify({{ Authorization: "Bearer <token>" }}, null, 2),
        shouldPersistHeaders: true,
      }})
    );
  </script>
</body>
</html>
"""
