"""The sandbox's default database, SQLite, stores money as floating point: the
ledger adds it as Decimal all the same (a real SQLite file, in a process of its
own with the sandbox's settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LEDGER_ON_SQLITE = """
import json
import django
from decimal import Decimal

django.setup()
from django.core.management import call_command
from django.db import connection

call_command("migrate", verbosity=0)
from saleor_kuai_returns.actions.ledger import record_settlement
from saleor_kuai_returns.ledger import balance
from saleor_kuai_returns.models import LiabilityEntry
from saleor_kuai_returns.sandbox.factory import caller_for, make_demo
from django.utils import timezone

demo = make_demo(timezone.now())
# A thousand cent-sized charges: ten yuan, which floating point does not reach.
LiabilityEntry.objects.bulk_create(
    LiabilityEntry(
        channel_slug="default-channel",
        kind="late_shipment_compensation",
        amount=Decimal("0.01"),
        currency="CNY",
        idempotency_key=f"k{i}",
    )
    for i in range(1000)
)
float_sum = connection.cursor().execute(
    "SELECT SUM(amount) FROM kuai_returns_liabilityentry"
).fetchone()[0]
owed = balance("default-channel")
settled = record_settlement(
    "default-channel", caller_for(demo.platform), Decimal("10.00"), idempotency_key="all"
)
print(json.dumps({
    "vendor": connection.vendor,
    "float_sum": repr(float_sum),
    "balance": str(owed),
    "settled": str(settled.amount),
    "after": str(balance("default-channel")),
}))
"""


def test_the_ledger_adds_money_exactly_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="saleor_kuai_returns.sandbox.settings",
        KUAI_SANDBOX_DIR=str(tmp_path),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    done = subprocess.run(
        [sys.executable, "-c", LEDGER_ON_SQLITE],
        # In the checkout, where coverage finds its configuration (the file goes to
        # KUAI_SANDBOX_DIR).
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # SQLite itself adds floats and misses 10 ...
    assert result["vendor"] == "sqlite"
    assert result["float_sum"] != "10.0"
    # ... while the ledger's balance is exact, and settles to exactly zero
    assert (result["balance"], result["settled"], result["after"]) == (
        "10.000",
        "-10.00",
        "0.000",
    )
