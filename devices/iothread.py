"""Exactly one I/O thread per port, and the decorator that puts a driver's call on it.

Every read and write of a port happens on the port's own thread; callers submit work
and wait for it with a timeout, so a stuck device never freezes the caller. A driver
marks each method that touches its port with `@on_io_thread(...)` (Electrum's
`runs_in_hwd_thread`): the whole method body then runs on the port's thread, with the
driver's own bounded wait and error translation (its `call_on_io`), instead of each
method wrapping itself by hand.

Traps:
- a method on the I/O thread that calls another decorated method runs it in place:
  waiting for its own (single) thread would deadlock, so `PortThread.call` notices
  that it is already on the port's thread;
- an exception raised on the I/O thread reaches the caller unchanged (the future
  re-raises it); only the wait itself becomes a DeviceTimeout.
"""

from __future__ import annotations

import concurrent.futures
import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from common.text import Text
from devices.base import DeviceKind, DeviceTimeout

T = TypeVar("T")
P = ParamSpec("P")


class PortThread:
    def __init__(self, kind: DeviceKind, port: str) -> None:
        self.kind = kind
        self.port = port
        self._ident: int | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"io:{port}", initializer=self._mark
        )

    def _mark(self) -> None:
        self._ident = threading.get_ident()

    @property
    def on_it(self) -> bool:
        """True when the caller runs on this port's thread."""
        return self._ident is not None and threading.get_ident() == self._ident

    def submit(self, fn: Callable[..., T], *args: object) -> concurrent.futures.Future[T]:
        return self._pool.submit(fn, *args)

    def call(self, fn: Callable[..., T], *args: object, timeout: float) -> T:
        """Run `fn` on the port's thread and wait at most `timeout` seconds for it (in
        place when already on that thread)."""
        if self.on_it:
            return fn(*args)
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


class IoHost(Protocol):
    """A driver with a port thread: runs `fn` there and waits for it, bounded."""

    def call_on_io(self, fn: Callable[[], T], timeout_s: float | None) -> T: ...


H = TypeVar("H", bound=IoHost)
Timeout = float | Callable[..., float] | None


def on_io_thread(
    timeout_s: Timeout = None,
) -> Callable[[Callable[Concatenate[H, P], T]], Callable[Concatenate[H, P], T]]:
    """Run the decorated driver method on its port's I/O thread (`self.call_on_io`).

    `timeout_s` is the wait for the call (None: the driver's default), or a function of
    the call's own arguments (self included) for a wait that depends on them."""

    def decorate(method: Callable[Concatenate[H, P], T]) -> Callable[Concatenate[H, P], T]:
        @functools.wraps(method)
        def on_io(self: H, /, *args: P.args, **kwargs: P.kwargs) -> T:
            wait = timeout_s(self, *args, **kwargs) if callable(timeout_s) else timeout_s
            return self.call_on_io(lambda: method(self, *args, **kwargs), wait)

        on_io.__dict__["on_io_thread"] = True  # for tests and readers: this one hops threads
        return on_io

    return decorate


def runs_on_io_thread(method: Any) -> bool:
    """Whether `method` was decorated with `on_io_thread`."""
    return bool(getattr(method, "on_io_thread", False))
