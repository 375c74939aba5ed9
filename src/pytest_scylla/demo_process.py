"""A demo started the way ``make run`` starts it: its Makefile's real command in a subprocess.

``make start`` runs the same ``$(RUN)`` as ``make run`` (uvicorn, flask, ``manage.py
runserver`` or the CLI), minus the seeding; the spec points it at the test's backend
(``SCYLLA_HOSTS``) and keyspace (``SCYLLA_KEYSPACE``), on a free port, with the test's own
interpreter (``DEMO_PYTHON``, so nothing is installed). So a broken start command, port,
static mount or template path fails the spec, not the first user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

#: how long a web demo may take to answer its first request with a 200 (seed plan §11.4)
START_TIMEOUT = 15.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class DemoProcess:
    """``make TARGET`` (``start``, ``seed``...) in a demo folder, in a process group of its own
    (so `stop` ends the app and not just make), its output kept in a file for failure messages."""

    def __init__(
        self, folder: Path, target: str, log: Path, env: Mapping[str, str], make_vars: Mapping[str, str]
    ) -> None:
        make = shutil.which("make")
        if make is None:
            raise RuntimeError("the demos start through make: install it (apt-get install make)")
        self.folder = folder
        self.target = target
        self.log = log
        self.host = make_vars.get("HOST", "127.0.0.1")
        self.port = int(make_vars.get("PORT", 0))
        args = [make, "--no-print-directory", target, f"DEMO_PYTHON={sys.executable}"]
        args += [f"{k}={v}" for k, v in make_vars.items()]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(
                args,
                cwd=folder,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def _failure(self, what: str) -> AssertionError:
        return AssertionError(f"{self.folder.name}: {what}; its output:\n{self.output()[-4000:]}")

    def wait_until_served(self, path: str = "/", timeout: float = START_TIMEOUT) -> float:
        """Poll ``path`` until it answers 200; return the seconds that took."""
        started = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise self._failure(f"`make {self.target}` exited with {self.proc.returncode} before serving")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as reply:
                    if reply.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > timeout:
                raise self._failure(f"no 200 from GET {path} within {timeout:.0f} s")
            time.sleep(0.1)

    def wait(self, timeout: float = 120.0) -> str:
        """Wait for a command that ends (a CLI demo); its output, or an error with it."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise self._failure(f"still running after {timeout:.0f} s") from None
        if code != 0:
            raise self._failure(f"`make {self.target}` exited with {code}")
        return self.output()

    def stop(self) -> None:
        """SIGTERM to the whole group (make and the app), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # the app may outlive make for a moment: make sure nothing of the group is left
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
