"""Packet bytes on disk: partial uploads, received packets, rejected packets, locks.

Layout under the data directory:
    uploads/STATION/UUID.part    bytes received so far (append-only)
    packets/STATION/UUID.pkt     received packets (immutable)
    rejected/STATION/UUID.pkt    packets that failed verification (kept for inquiry)
    locks/STATION.lock           one flock per station serialises its writers

Traps:
- The upload offset IS the partial file's size; no second copy of it is kept that
  could disagree after a crash. Only chunks whose checksum and request signature
  verified are appended, so a chunk torn by kill -9 leaves a correct prefix of it on
  disk and the offset simply resumes from there.
- A chunk is fsync'd before 204 is sent; the directory is fsync'd when a file is
  created or renamed, or the name itself could be lost on power failure.
- The locks are flock(2) on files, so they also hold between the server and an
  `import` run in another process, and are released by the kernel if we die.
- Everything here is owner-only whatever existed before: `tighten` sets the home and
  these directories (and each station's) to 0700 and the keys and locks to 0600 at
  every start, and each directory is made 0700 level by level (mkdir(parents=True)
  would give the parents the umask's 0755). Packet files are always created 0600;
  behind 0700 directories they are unreachable to others even if one was not.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


PRIVATE_DIRS = ("keys", "uploads", "packets", "rejected", "locks")


class LockTimeout(Exception):
    pass


def private_dir(path: Path, home: Path) -> None:
    """Make `path` (inside `home`) and every missing level above it, each mode 0700."""
    missing: list[Path] = []
    level = path
    while level != home and not level.is_dir():
        missing.append(level)
        level = level.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            pass
        os.chmod(directory, 0o700)


def tighten(home: Path) -> None:
    """Owner-only modes for the home and its data, whatever they were (see the module traps)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    for name in PRIVATE_DIRS:
        top = home / name
        private_dir(top, home)
        os.chmod(top, 0o700)
        with os.scandir(top) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                elif entry.is_file(follow_symlinks=False) and name in ("keys", "locks"):
                    os.chmod(entry.path, 0o600)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Spool:
    def __init__(self, home: Path) -> None:
        self.home = home

    def partial(self, station: str, record_uuid: str) -> Path:
        return self.home / "uploads" / station / f"{record_uuid}.part"

    def received(self, station: str, record_uuid: str) -> Path:
        return self.home / "packets" / station / f"{record_uuid}.pkt"

    def rejected(self, station: str, record_uuid: str) -> Path:
        return self.home / "rejected" / station / f"{record_uuid}.pkt"

    @staticmethod
    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def append(self, path: Path, offset: int, chunk: bytes) -> int:
        """Write `chunk` at `offset` (the current size, checked by the caller) and fsync it."""
        created = not path.exists()
        private_dir(path.parent, self.home)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size != offset:
                raise ValueError(f"partial file is {size} bytes, expected {offset}")
            os.lseek(fd, offset, os.SEEK_SET)
            _write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(path.parent)
        return offset + len(chunk)

    def put_whole(self, path: Path, blob: bytes) -> None:
        """Write a whole file durably under a temporary name, then rename it into place."""
        private_dir(path.parent, self.home)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, blob)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)

    def move(self, src: Path, dst: Path) -> None:
        """Rename durably: fsync the data, rename, fsync both directories."""
        private_dir(dst.parent, self.home)
        fd = os.open(src, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(src, dst)
        fsync_dir(dst.parent)
        if src.parent != dst.parent:
            fsync_dir(src.parent)

    @contextmanager
    def lock(self, station: str, timeout_s: float) -> Iterator[None]:
        path = self.home / "locks" / f"{station}.lock"
        private_dir(path.parent, self.home)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"station {station} is busy") from None
                    time.sleep(0.005)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
