"""Kuaishou-style after-sale requests for Saleor 3.23.

The package is layered: ``domain`` holds every rule and imports only the
standard library; the Django app, the host port (Saleor or the sandbox), the
Celery tasks and the GraphQL API execute the decisions the domain makes.
"""

__version__ = "0.1.0"
