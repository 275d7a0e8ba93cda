"""The after-sale GraphQL API (graphene 2, as Saleor 3.23 pins it).

Thin: types read our rows, resolvers filter what the caller may see, mutations
call ``actions`` and turn refusals into typed errors. Host-agnostic: the caller,
their channels and rights come from the host port, and the shop's own GraphQL
types (``Money``, ``DateTime``, ``Decimal``, ``Order``) replace ours when the
host names them, so the API merges into Saleor's schema. ``schema`` composes
``AfterSaleQueries`` and ``AfterSaleMutations``.
"""
