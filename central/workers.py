"""`station-central serve --workers N`: N receiver processes on one listening socket.

The parent binds the socket (cli.cmd_serve, which prints the real address once),
makes the keys and schema once, then forks N children that each build their own app
(own database pool, turns and work slots) and run uvicorn on the inherited socket;
the kernel hands each new connection to one of them. The parent only supervises.
Traps:
- Nothing that holds a database connection or a thread may cross the fork: the parent
  closes its receiver before forking and each child opens its own.
- A child that dies is started again, but not in a tight loop: a child that lived
  less than `QUICK_DEATH_S` is restarted only after a growing pause (up to 30 s), so a
  broken configuration does not spin a core.
- SIGTERM or SIGINT to the parent stops every child (SIGTERM: uvicorn finishes the
  requests in hand), waits `STOP_GRACE_S`, kills what is left and exits 0. A child
  never runs the parent's handlers (they are reset after the fork).
- The workers share the database, not memory: each has its own turns, waiting list,
  work slots and counters (central.gate, central.metrics).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from types import FrameType

from central.settings import Settings

log = logging.getLogger(__name__)

POLL_S = 0.2
QUICK_DEATH_S = 5.0
STOP_GRACE_S = 20.0
MAX_PAUSE_S = 30.0


def run_child(settings: Settings, sock: socket.socket) -> None:
    """The body of one worker: its own app and uvicorn on the shared socket."""
    from central.app import create_app
    from central.server import make_server

    app = create_app(settings)
    make_server(app, settings).run(sockets=[sock])


class Supervisor:
    """Forks and keeps `count` children running `child` until told to stop."""

    def __init__(self, count: int, child: Callable[[], None]) -> None:
        self.count = count
        self.child = child
        self.children: dict[int, int] = {}  # pid -> slot
        self.started: dict[int, float] = {}  # slot -> when its current child started
        self.pause: dict[int, float] = {}  # slot -> pause before its next restart
        self.stopping = False

    def _fork(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                self.child()
            except BaseException:
                log.exception("worker %d stopped on an error", slot)
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = slot
        self.started[slot] = time.monotonic()
        log.info("worker %d started (pid %d)", slot, pid)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        previous = {s: signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for slot in range(self.count):
                self._fork(slot)
            due: dict[int, float] = {}  # slot -> when to start it again
            while not self.stopping:
                self._reap(due)
                now = time.monotonic()
                for slot, when in list(due.items()):
                    if now >= when and not self.stopping:
                        del due[slot]
                        self._fork(slot)
                time.sleep(POLL_S)
            self._stop_all()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        return 0

    def _reap(self, due: dict[int, float]) -> None:
        while self.children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            slot = self.children.pop(pid, None)
            if slot is None:
                continue
            lived = time.monotonic() - self.started[slot]
            pause = 0.0
            if lived < QUICK_DEATH_S:
                pause = min(MAX_PAUSE_S, max(1.0, 2 * self.pause.get(slot, 0.5)))
            self.pause[slot] = pause
            log.warning("worker %d (pid %d) ended (%s); starting it again in %.0f s", slot, pid, _how(status), pause)
            due[slot] = time.monotonic() + pause

    def _stop_all(self) -> None:
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        while self.children and time.monotonic() < deadline:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(POLL_S / 4)
            else:
                self.children.pop(pid, None)
        for pid in list(self.children):
            log.warning("worker pid %d did not stop in %.0f s; killed", pid, STOP_GRACE_S)
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self.children.clear()
        log.info("all workers stopped")


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def serve_workers(settings: Settings, sock: socket.socket, count: int) -> int:
    """Run `count` workers on `sock` until SIGTERM/SIGINT (the caller made keys and schema)."""
    return Supervisor(count, lambda: run_child(settings, sock)).run()
