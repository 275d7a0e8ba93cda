"""What enforces deadlines while the demo server runs: a sweeper thread in the
server's own process, or a Celery worker and beat in processes of their own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.db import close_old_connections
from django.utils import timezone

from ..app_settings import app_settings

CELERY_APP = "saleor_kuai_returns.sandbox.celery"
STOP_TIMEOUT = 20  # seconds a Celery process may take to finish its task


def say(message: str) -> None:
    stamp = timezone.localtime().strftime("%d/%b/%Y %H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


class Sweeper:
    """Runs the deadline sweeper task's body every ``interval``, tasks eager."""

    failure = ""  # a sweep that fails is printed, and the next one runs

    def __init__(self, interval: timedelta) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kuai-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def describe(self) -> str:
        return f"swept in-process every {self.interval.total_seconds():g} s"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=STOP_TIMEOUT)

    def _run(self) -> None:
        from ..tasks import sweep_deadlines

        last_error = ""
        while not self._stop.wait(self.interval.total_seconds()):
            close_old_connections()
            try:
                expired = sweep_deadlines()
            except Exception as error:  # one failed sweep must not end the next ones
                if repr(error) == last_error:
                    say(f"Sweeper: failed again: {error!r}")
                else:
                    traceback.print_exc()
                last_error = repr(error)
            else:
                last_error = ""
                if expired:
                    say(f"Sweeper: {expired} deadline(s) passed; default outcomes applied.")
            finally:
                close_old_connections()


class CeleryProcesses:
    """A Celery worker and beat on the server's settings (its environment).

    When one of them ends on its own, the server stops too: a demo whose
    deadlines silently stopped would mislead.
    """

    def __init__(self, broker: str, on_exit: Callable[[], None]) -> None:
        self.broker = broker  # as shown to people (no password)
        self.on_exit = on_exit  # called when one ended on its own
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None
        self.failure = ""
        self._stopping = threading.Event()
        self._schedule_dir = Path(tempfile.mkdtemp(prefix="kuai-sandbox-beat-"))

    def start(self) -> None:
        quiet = ["--loglevel=WARNING"]
        self.worker = self._spawn(
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *quiet,
        )
        self.beat = self._spawn(
            "beat", "--schedule", str(self._schedule_dir / "celerybeat-schedule"), *quiet
        )
        threading.Thread(target=self._watch, name="kuai-celery-watch", daemon=True).start()

    def describe(self) -> str:
        assert self.worker is not None and self.beat is not None
        return (
            f"swept by a Celery worker (pid {self.worker.pid}) and beat (pid {self.beat.pid}) "
            f"on {self.broker}, every {app_settings.SWEEP_INTERVAL.total_seconds():g} s"
        )

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "celery", "-A", CELERY_APP, *args])

    def _watch(self) -> None:
        while not self._stopping.wait(0.5):
            for name, process in (("worker", self.worker), ("beat", self.beat)):
                if process is not None and process.poll() is not None:
                    self.failure = f"the Celery {name} ended (exit code {process.returncode})"
                    self._stopping.set()
                    self.on_exit()
                    return

    def stop(self) -> None:
        self._stopping.set()
        running = [p for p in (self.beat, self.worker) if p is not None and p.poll() is None]
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self._schedule_dir, ignore_errors=True)
