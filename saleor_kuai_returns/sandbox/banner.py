"""What the demo server prints when it starts: where the API is, who may call
it with which token, and what enforces the deadlines."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import timedelta

from ..domain import DEFAULT_POLICY
from ..domain.diagram import format_duration
from ..graphql.core.ids import ORDER, ORDER_LINE, to_global_id
from .demo import DemoOrder, LoadedDemo, Person

# Every person's first request: the after-sale requests they may see (the
# buyer their own, a merchant their channel's, the platform every one).
REQUESTS_QUERY = (
    "{ afterSaleRequests(first: 10) { totalCount edges { node "
    "{ id type state whoseTurn deadline { at defaultOutcome } } } } }"
)
# The buyer files a return of one unit with a photo.
FILE_RETURN = (
    "mutation($order: ID!, $line: ID!, $photo: String) { afterSaleRequestCreate("
    "orderId: $order, input: {type: RETURN_AND_REFUND, reason: QUALITY_FUNCTION, "
    "lines: [{orderLineId: $line, quantity: 1}], evidence: [{kind: IMAGE, url: $photo}]}) "
    "{ afterSaleRequest { id state deadline { at defaultOutcome } } errors { code message } } }"
)
PHOTO = "https://img.example.com/broken-zip.jpg"


@dataclass(frozen=True)
class Running:
    url: str  # the server's root, e.g. http://127.0.0.1:8000
    database: str  # what the demo lives in, for people
    deadlines: str  # what sweeps them
    speed: float


def banner(running: Running, demo: LoadedDemo) -> str:
    graphql = f"{running.url}/graphql/"
    loaded = "loaded now" if demo.created else "kept from an earlier start"
    lines = [
        "saleor-kuai-returns sandbox: Kuaishou-style after-sale service on a demo shop",
        "",
        f"  GraphQL    {graphql}  (POST JSON, header Authorization: Bearer <token>)",
        f"  GraphiQL   {graphql}  (open it in a browser; the header goes under Headers)",
        f"  Database   {running.database}, demo data {loaded} (--reset starts over)",
        f"  Deadlines  {running.deadlines}",
        f"  Time       {speed_line(running.speed)}",
        "",
        "Demo people: a token each, and a first request",
    ]
    for person in demo.people:
        lines += ["", *person_lines(person, graphql)]
    buyer = demo.people[0]
    lines += ["", f"Demo orders of {buyer.role.username} (global IDs):"]
    for order in demo.orders:
        lines += order_lines(order)
    lines += ["", *file_return_lines(buyer, graphql, demo.orders, running.speed)]
    lines += ["", "Quit with Ctrl-C."]
    return "\n".join(lines) + "\n"


def speed_line(speed: float) -> str:
    if speed == 1:
        return "the wall clock's (--speed 2880 makes the 48 h merchant review last 1 min)"
    review = DEFAULT_POLICY.review
    return (
        f"{speed:g}× faster for after-sale deadlines: the {format_duration(review)} "
        f"merchant review lasts {short_duration(review / speed)}"
    )


def short_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def curl(graphql: str, token: str, query: str, variables: dict[str, str] | None = None) -> str:
    body: dict[str, object] = {"query": query}
    if variables:
        body["variables"] = variables
    return " ".join(
        [
            "curl -s",
            graphql,
            "-H",
            shlex.quote(f"Authorization: Bearer {token}"),
            "-H 'Content-Type: application/json' -d",
            shlex.quote(json.dumps(body, ensure_ascii=False)),
        ]
    )


def person_lines(person: Person, graphql: str) -> list[str]:
    role = person.role
    return [
        f"  {role.label} ({role.username}): {role.does}",
        f"    token  {person.token}",
        f"    {curl(graphql, person.token, REQUESTS_QUERY)}",
    ]


def order_lines(order: DemoOrder) -> list[str]:
    width = max(len(f"{line.sku} ×{line.quantity}") for line in order.lines)
    return [
        f"  order {to_global_id(ORDER, order.order_id)} ({order.channel})",
        *(
            f"    {f'{line.sku} ×{line.quantity}':<{width}}  "
            f"line {to_global_id(ORDER_LINE, line.line_id)}"
            + ("" if line.shipped == line.quantity else f"  ({line.shipped} shipped)")
            for line in order.lines
        ),
    ]


def file_return_lines(
    buyer: Person, graphql: str, orders: tuple[DemoOrder, ...], speed: float
) -> list[str]:
    """The buyer returns one unit of the first delivered line; then nobody acts."""
    delivered = [o for o in orders if all(line.shipped == line.quantity for line in o.lines)]
    if not delivered:
        return []
    order = delivered[0]
    variables = {
        "order": to_global_id(ORDER, order.order_id),
        "line": to_global_id(ORDER_LINE, order.lines[0].line_id),
        "photo": PHOTO,
    }
    review = DEFAULT_POLICY.review
    wait = format_duration(review)
    if speed != 1:
        wait += f" of sandbox time ({short_duration(review / speed)} here)"
    return [
        f"File a return as the buyer ({order.lines[0].sku}). If the merchant does not review it",
        f"within {wait}, the sweeper approves it: it awaits the buyer's return.",
        f"  {curl(graphql, buyer.token, FILE_RETURN, variables)}",
    ]
