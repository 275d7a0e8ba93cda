"""The sandbox's Celery app: the broker and settings come from Django settings
(``CELERY_*``); tasks are the plugin's own."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_kuai_returns.sandbox.settings")

app = Celery("kuai_sandbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["saleor_kuai_returns"])
