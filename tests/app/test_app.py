"""The Django app: migrations up to date, system checks, the beat entry."""

from __future__ import annotations

import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from saleor_kuai_returns.celery_schedule import BEAT_ENTRY, register_beat_entry
from saleor_kuai_returns.checks import check_host, check_migrations_module


@pytest.mark.django_db
def test_makemigrations_finds_nothing_to_do():
    out = StringIO()
    call_command(
        "makemigrations", "kuai_returns", "kuai_sandbox", "--check", "--dry-run", stdout=out
    )
    assert "No changes detected" in out.getvalue()


def test_migrations_check_passes_when_the_module_imports():
    assert check_migrations_module() == []


def test_migrations_check_fails_loudly_when_the_module_is_missing(monkeypatch):
    # given an installation where the migrations package did not make it
    monkeypatch.setitem(sys.modules, "saleor_kuai_returns.migrations", None)
    # when
    errors = check_migrations_module()
    # then
    assert [error.id for error in errors] == ["kuai_returns.E001"]
    assert errors[0].msg == "saleor_kuai_returns.migrations cannot be imported."


def test_host_check_names_a_bad_setting():
    with override_settings(KUAI_RETURNS_HOST="saleor_kuai_returns.host.nowhere.Host"):
        errors = check_host()
    assert [error.id for error in errors] == ["kuai_returns.E002"]
    assert "saleor_kuai_returns.host.nowhere.Host" in errors[0].msg
    assert check_host() == []


def test_the_sweeper_is_in_the_beat_schedule_after_start_up(settings):
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]
    assert entry == {
        "task": "kuai_returns.sweep_deadlines",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 60.0},
    }


def test_registering_keeps_an_entry_the_operator_changed(settings):
    # given an operator's own schedule for the sweeper
    settings.CELERY_BEAT_SCHEDULE = {
        BEAT_ENTRY: {"task": "kuai_returns.sweep_deadlines", "schedule": 30}
    }
    settings.KUAI_RETURNS_SWEEP_INTERVAL = timedelta(minutes=5)
    # when
    register_beat_entry()
    # then
    assert settings.CELERY_BEAT_SCHEDULE == {
        BEAT_ENTRY: {"task": "kuai_returns.sweep_deadlines", "schedule": 30}
    }
