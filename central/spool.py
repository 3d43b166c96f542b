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


class LockTimeout(Exception):
    pass


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
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
        dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
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
