"""The server's URLs: the API is imported on its first request, so the server
starts while the API module is missing and says so."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from saleor_kuai_returns.sandbox.urls import lazy_view


def test_a_missing_view_module_answers_503_naming_it():
    # given
    view = lazy_view("saleor_kuai_returns.sandbox.not_built", "graphql_view")
    # when
    response = view(RequestFactory().post("/graphql/", "{}", content_type="application/json"))
    # then
    assert response.status_code == 503
    assert response.content.decode() == (
        "The GraphQL API is not built yet: "
        "saleor_kuai_returns.sandbox.not_built.graphql_view is missing.\n"
    )


def test_a_module_that_fails_on_its_own_imports_is_not_hidden(tmp_path, monkeypatch):
    # given a view module that exists but imports one that does not
    (tmp_path / "kuai_broken_api.py").write_text("import kuai_schema_not_built\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    view = lazy_view("kuai_broken_api", "graphql_view")
    # when / then
    with pytest.raises(ModuleNotFoundError) as raised:
        view(RequestFactory().get("/graphql/"))
    assert raised.value.name == "kuai_schema_not_built"


def test_the_view_answers_for_the_module_once_it_is_there():
    # given a module that exists
    view = lazy_view("django.views.defaults", "page_not_found")
    # when
    response = view(RequestFactory().get("/graphql/"), exception=None)
    # then
    assert response.status_code == 404
