"""Exactly one I/O thread per port.

Every read and write of a port happens on the port's own thread; callers submit work
and wait for it with a timeout, so a stuck device never freezes the caller.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import TypeVar

from common.text import Text
from devices.base import DeviceKind, DeviceTimeout

T = TypeVar("T")


class PortThread:
    def __init__(self, kind: DeviceKind, port: str) -> None:
        self.kind = kind
        self.port = port
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"io:{port}")

    def submit(self, fn: Callable[..., T], *args: object) -> concurrent.futures.Future[T]:
        return self._pool.submit(fn, *args)

    def call(self, fn: Callable[..., T], *args: object, timeout: float) -> T:
        """Run `fn` on the port's thread and wait at most `timeout` seconds for it."""
        future = self._pool.submit(fn, *args)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DeviceTimeout(
                Text(f"Perangkat di {self.port} tidak menjawab.", f"The device on {self.port} did not answer."),
                code=f"{self.kind.value}.no_reply",
                kind=self.kind,
                port=self.port,
            ) from None

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
