"""The SDL printer on what our schema does not use yet: defaults, unions,
descriptions over several lines, deprecations."""

from __future__ import annotations

import graphene

from saleor_kuai_returns.graphql.printer import print_schema


class Cat(graphene.ObjectType):
    name = graphene.String(description="Its name.")


class Dog(graphene.ObjectType):
    name = graphene.String(description="Its name.", deprecation_reason="Use `call`.")


class Pet(graphene.Union):
    class Meta:
        types = (Cat, Dog)
        description = "A cat or a dog."


class Query(graphene.ObjectType):
    pets = graphene.List(
        Pet,
        first=graphene.Int(default_value=10, description="How many."),
        description="Pets.\n\nAll of them.",
    )


def test_defaults_unions_and_long_descriptions_print_as_sdl():
    assert (
        print_schema(graphene.Schema(query=Query))
        == '''schema {
  query: Query
}

type Query {
  """
  Pets.

  All of them.
  """
  pets(
    """How many."""
    first: Int = 10
  ): [Pet]
}

type Cat {
  """Its name."""
  name: String
}

type Dog {
  """Its name."""
  name: String @deprecated(reason: "Use `call`.")
}

"""A cat or a dog."""
union Pet = Cat | Dog
'''
    )
