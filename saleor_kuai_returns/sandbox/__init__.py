"""A small stand-in shop: orders, lines, payments, stock and notes in its own
tables, implementing the host port. Used by the demo server and by CI, because
Saleor 3.23 cannot be installed from a package registry."""
