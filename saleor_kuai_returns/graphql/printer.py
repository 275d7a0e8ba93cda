"""The schema as SDL with every description (graphql-core 2's printer leaves
them out), in a stable order: the roots, then every named type by name."""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from graphql.language.printer import print_ast
from graphql.utils.ast_from_value import ast_from_value

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def print_schema(schema: Any) -> str:
    roots = [
        ("query", schema.get_query_type()),
        ("mutation", schema.get_mutation_type()),
        ("subscription", schema.get_subscription_type()),
    ]
    present = [(operation, root) for operation, root in roots if root is not None]
    blocks = ["schema {\n" + "".join(f"  {op}: {root.name}\n" for op, root in present) + "}"]
    root_names = [root.name for _, root in present]
    named = schema.get_type_map()
    others = sorted(
        name
        for name in named
        if not name.startswith("__") and name not in BUILT_IN_SCALARS and name not in root_names
    )
    blocks += [_type(named[name]) for name in [*root_names, *others]]
    return "\n\n".join(blocks) + "\n"


def _description(text: str | None, indent: str = "") -> str:
    if not text:
        return ""
    if "\n" not in text and '"' not in text[-1:]:
        return f'{indent}"""{text}"""\n'
    body = "\n".join(f"{indent}{line}" if line else "" for line in text.split("\n"))
    return f'{indent}"""\n{body}\n{indent}"""\n'


def _deprecated(reason: str | None) -> str:
    return f" @deprecated(reason: {json.dumps(reason)})" if reason else ""


def _arguments(args: dict[str, Any]) -> str:
    if not args:
        return ""
    lines = [
        _description(arg.description, "    ") + f"    {name}: {arg.type}{_default(arg)}"
        for name, arg in args.items()
    ]
    return "(\n" + "\n\n".join(lines) + "\n  )"


def _default(value_holder: Any) -> str:
    if value_holder.default_value is None:
        return ""
    value = ast_from_value(value_holder.default_value, value_holder.type)  # type: ignore[no-untyped-call]
    return f" = {print_ast(value)}"


def _type(named: Any) -> str:
    head = _description(named.description)
    if isinstance(named, GraphQLScalarType):
        return f"{head}scalar {named.name}"
    if isinstance(named, GraphQLEnumType):
        values = [
            _description(value.description, "  ")
            + f"  {value.name}{_deprecated(value.deprecation_reason)}"
            for value in named.values
        ]
        return f"{head}enum {named.name} {{\n" + "\n\n".join(values) + "\n}"
    if isinstance(named, GraphQLUnionType):
        return f"{head}union {named.name} = " + " | ".join(t.name for t in named.types)
    if isinstance(named, GraphQLInputObjectType):
        fields = [
            _description(field.description, "  ") + f"  {name}: {field.type}{_default(field)}"
            for name, field in named.fields.items()
        ]
        return f"{head}input {named.name} {{\n" + "\n\n".join(fields) + "\n}"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    keyword = "interface" if isinstance(named, GraphQLInterfaceType) else "type"
    interfaces = getattr(named, "interfaces", None) or []
    implements = " implements " + " & ".join(i.name for i in interfaces) if interfaces else ""
    fields = [
        _description(field.description, "  ")
        + f"  {name}{_arguments(field.args)}: {field.type}{_deprecated(field.deprecation_reason)}"
        for name, field in named.fields.items()
    ]
    return f"{head}{keyword} {named.name}{implements} {{\n" + "\n\n".join(fields) + "\n}"
