"""The sandbox server's URLs: the GraphQL API (GraphiQL on GET) and a redirect to it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView

API_MODULE = "saleor_kuai_returns.sandbox.api"


def lazy_view(module: str, name: str) -> Callable[..., HttpResponse]:
    """The view ``module.name``, imported on its first request: the server
    starts (and answers 503 saying why) while that module is not there yet."""

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            target = getattr(importlib.import_module(module), name)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
            return HttpResponse(
                f"The GraphQL API is not built yet: {module}.{name} is missing.\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response: HttpResponse = target(request, *args, **kwargs)
        return response

    return view


urlpatterns = [
    path("graphql/", lazy_view(API_MODULE, "graphql_view"), name="graphql"),
    path("", RedirectView.as_view(pattern_name="graphql"), name="home"),
]
