"""Query fields: one request, a page of them, and what may be filed on an order."""
