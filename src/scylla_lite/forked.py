"""Work done by a forked copy of the server while the server goes on serving.

The child sees memory exactly as it was at the fork (copy-on-write), so it can write
a consistent snapshot of the whole data set without the event loop waiting for it:
Redis's BGSAVE. The child runs one function and exits; it never touches the event
loop, the sockets or the signal handlers it inherited, and it dies with the server
(Linux's parent-death signal), so a crashed server leaves no writer behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

SUPPORTED = sys.platform == "linux"
"""Forking is used where the parent-death signal keeps it safe; elsewhere the work
runs on the event loop, as before."""
PR_SET_PDEATHSIG = 1
DONE = b"done"
NICENESS = 10
"""How much lower the child's CPU priority is than the server's: on a busy machine (two
cores: the server, its clients, the writer) the clients' requests come first."""


class Forked:
    """A running child; ``on_exit(ok)`` is called on the event loop when it ends."""

    def __init__(self, pid: int, fd: int, on_exit: Callable[[bool], None]) -> None:
        self.pid = pid
        self._fd = fd
        self._said = b""
        self._on_exit = on_exit
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(fd, self._readable)

    @classmethod
    def start(cls, work: Callable[[], None], on_exit: Callable[[bool], None]) -> Forked:
        """Fork; the child runs ``work`` and exits. Needs a running event loop."""
        asyncio.get_running_loop()
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            run_child(work, write_fd, parent)
        os.close(write_fd)
        return cls(pid, read_fd, on_exit)

    def _readable(self) -> None:
        data = os.read(self._fd, 64)
        if data:
            self._said += data
            return
        ok = self._reap() == 0 and self._said == DONE  # EOF: the child has exited
        self._on_exit(ok)

    def stop(self) -> None:
        """Kill the child (if still running) and wait for it, without calling ``on_exit``."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> int:
        if self._fd >= 0:
            self._loop.remove_reader(self._fd)
            os.close(self._fd)
            self._fd = -1
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return -1
        return os.waitstatus_to_exitcode(status)


def run_child(work: Callable[[], None], write_fd: int, parent: int) -> NoReturn:
    """The child's whole life: detach from the parent's signals, run, report, exit
    without running the parent's cleanup (atexit, buffered output, the event loop)."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)  # else a signal here would wake the parent's loop
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.nice(NICENESS)
        gc.disable()  # its walks would copy every page they touch, and it exits soon
        if os.getppid() == parent:  # else the parent died before the line above
            work()
            os.write(write_fd, DONE)
            code = 0
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            sys.stderr.flush()
    finally:
        os._exit(code)
