"""Saleor finds the package, migrates it, loads the plugin and schedules the sweeper."""

from __future__ import annotations

import importlib.metadata
from io import StringIO
from pathlib import Path

import saleor.settings as saleor_settings
from django.apps import apps
from django.conf import settings
from django.core.checks import WARNING
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from saleor.account.models import Group
from saleor.celeryconf import app as celery_app
from saleor.plugins.manager import get_plugins_manager
from saleor.schedulers.models import CustomPeriodicTask
from saleor.schedulers.schedulers import DatabaseScheduler

from saleor_kuai_returns.celery_schedule import BEAT_ENTRY
from saleor_kuai_returns.checks import (
    check_host,
    check_migrations_module,
    check_platform_group,
)
from saleor_kuai_returns.plugin import PLUGIN_ID, KuaiReturnsPlugin

from .conftest import PLUGIN_PATH


def test_the_entry_point_names_our_app_and_our_plugin():
    # when
    entry_points = importlib.metadata.entry_points(group="saleor.plugins")
    # then
    ours = [entry for entry in entry_points if entry.name == "saleor_kuai_returns"]
    assert [entry.value for entry in ours] == ["saleor_kuai_returns.plugin:KuaiReturnsPlugin"]
    assert ours[0].load() is KuaiReturnsPlugin


def test_saleor_settings_discover_the_app_and_the_plugin():
    # then Saleor's own plugin discovery added both, and the test settings keep the app
    assert "saleor_kuai_returns" in saleor_settings.INSTALLED_APPS
    assert PLUGIN_PATH in saleor_settings.PLUGINS
    assert PLUGIN_PATH in saleor_settings.EXTERNAL_PLUGINS
    assert "saleor_kuai_returns" in settings.INSTALLED_APPS
    assert apps.get_app_config("kuai_returns").name == "saleor_kuai_returns"


def test_the_plugins_manager_loads_the_plugin_per_channel(channel_USD):
    # when
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_USD.slug)
    # then
    assert isinstance(plugin, KuaiReturnsPlugin)
    assert plugin.active is True
    assert plugin.channel == channel_USD
    assert {item["name"] for item in plugin.configuration} == set(
        KuaiReturnsPlugin.CONFIG_STRUCTURE
    )


def _newest_migration() -> str:
    """The last migration file shipped in saleor_kuai_returns.migrations."""
    import saleor_kuai_returns.migrations as package

    names = [path.stem for path in Path(package.__file__).parent.glob("0*.py")]
    return max(names)


def test_our_migrations_are_applied_on_saleors_database():
    # given
    executor = MigrationExecutor(connection)
    ours = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "kuai_returns"]
    # then nothing of ours is left to apply and the tables exist
    assert ours == [("kuai_returns", _newest_migration())]
    assert executor.migration_plan(ours) == []
    tables = set(connection.introspection.table_names())
    assert {
        "kuai_returns_aftersalerequest",
        "kuai_returns_aftersalerequestline",
        "kuai_returns_moneymovement",
        "kuai_returns_timelineevent",
    } <= tables


def test_our_models_match_our_migrations_under_saleors_django():
    # when
    out = StringIO()
    call_command("makemigrations", "kuai_returns", "--check", "--dry-run", stdout=out)
    # then
    assert out.getvalue().strip() == "No changes detected in app 'kuai_returns'"


def test_system_checks_pass_with_the_saleor_host():
    # then our checks find the migrations and the default host (the Saleor one)
    assert check_host(None) == []
    assert check_migrations_module(None) == []
    call_command("check", stdout=StringIO())  # raises on any error


def test_the_sweeper_is_in_celery_beat_after_start_up():
    # when the worker or beat starts, Celery imports the task modules it discovers
    celery_app.loader.import_default_modules()
    # then the entry is in Django's settings and in the Celery app Saleor runs
    entry = settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]
    assert entry["task"] == "kuai_returns.sweep_deadlines"
    assert celery_app.conf.beat_schedule[BEAT_ENTRY]["task"] == "kuai_returns.sweep_deadlines"
    assert "kuai_returns.sweep_deadlines" in celery_app.tasks
    assert "kuai_returns.run_follow_up" in celery_app.tasks


def test_saleors_database_scheduler_stores_the_sweeper(db):
    # given the entry as Saleor's DatabaseScheduler reads it at start-up
    entry = celery_app.conf.beat_schedule[BEAT_ENTRY]
    # when it syncs the entry to its table (what setup_schedule does for each entry)
    DatabaseScheduler.Entry.from_entry(BEAT_ENTRY, app=celery_app, **entry)
    # then
    task = CustomPeriodicTask.objects.get(name=BEAT_ENTRY)
    assert (task.task, task.interval.every, task.interval.period) == (
        "kuai_returns.sweep_deadlines",
        60,
        "seconds",
    )
    assert task.enabled is True


def test_a_platform_group_without_its_rights_is_a_system_check_warning(
    permission_manage_orders, permission_manage_payments
):
    # no group of that name: nothing to say (the platform simply is nobody yet)
    assert check_platform_group(None, databases=["default"]) == []
    # given the group, with order rights only
    group = Group.objects.create(name="After-sale platform")
    group.permissions.add(permission_manage_orders)
    # when
    (warning,) = check_platform_group(None, databases=["default"])
    # then
    assert (warning.id, warning.level) == ("kuai_returns.W003", WARNING)
    assert warning.msg == (
        "The platform's permission group 'After-sale platform' lacks HANDLE_PAYMENTS: "
        "nobody acts as the platform (arbitration, rulings)."
    )
    # checks without a database read none
    assert check_platform_group(None) == []
    # with both rights, nothing
    group.permissions.add(permission_manage_payments)
    assert check_platform_group(None, databases=["default"]) == []
