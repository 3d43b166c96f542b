"""One sync worker per station, and the way to ask it to sync now from outside.

Only one worker runs per station (the app's background thread, `station sync`, the
console's force sync): an OS file lock, released by the kernel if the process dies,
so a crashed worker never leaves a stale lock behind. The holder writes its process id
into the file, so the refusal can name it.

Force sync from another process: a worker cannot be called across processes, so a
request is left as a file (`sync.force`) that the running worker looks for between
steps and while it naps (station.sync.worker). Within one process nothing needs a file,
but the console does not know whether the lock holder is in its own process, so it
always leaves the file when the lock is taken.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

from common.errors import UserFacingError
from common.text import Text

LOCK_FILE = "sync.lock"
FORCE_FILE = "sync.force"


class WorkerBusy(UserFacingError):
    code = "sync.worker_running"


class WorkerLock:
    """Exclusive per-station lock; the kernel releases it when the process dies."""

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_FILE
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        f = open(self.path, "a+")  # noqa: SIM115 - held for the worker's life
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "?"
            f.close()
            raise WorkerBusy(
                Text(
                    f"Pengirim data sudah berjalan (proses {holder}); tidak memulai yang kedua.",
                    f"A sync worker is already running (process {holder}); not starting a second one.",
                )
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._file = f

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def request_force(home: Path) -> None:
    """Ask a worker in another process to sync now (it polls for this file)."""
    (home / FORCE_FILE).write_text(str(time.time()))


def force_requested(home: Path) -> bool:
    """Whether a force request is waiting (the worker's nap ends on it)."""
    return (home / FORCE_FILE).exists()


def take_force_request(home: Path) -> bool:
    """Consume a waiting force request: True if there was one."""
    flag = home / FORCE_FILE
    if flag.exists():
        flag.unlink(missing_ok=True)
        return True
    return False
