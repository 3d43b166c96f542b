"""`@on_io_thread` (devices.iothread): the decorated body runs on the port's one thread,
its result and its exceptions reach the caller unchanged, a slow call is a bounded
DeviceTimeout, and a decorated method calling another on that thread does not deadlock.
Every command of the fingerprint driver and every port touch of the signature link
goes through it."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from devices.base import DeviceKind, DeviceTimeout
from devices.fingerprint.driver import Ef01Scanner
from devices.iothread import PortThread, on_io_thread, runs_on_io_thread
from devices.signature.link import Isdv4Link

T = TypeVar("T")


class Port:
    """The smallest driver: a port thread and the hook the decorator calls."""

    def __init__(self) -> None:
        self.io = PortThread(DeviceKind.FINGERPRINT, "test-port")
        self.waits: list[float | None] = []

    def call_on_io(self, fn: Callable[[], T], timeout_s: float | None) -> T:
        self.waits.append(timeout_s)
        return self.io.call(fn, timeout=1.0 if timeout_s is None else timeout_s)

    @on_io_thread()
    def where(self) -> str:
        return threading.current_thread().name

    @on_io_thread(timeout_s=lambda self, n: n / 10)
    def twice(self, n: int) -> int:
        return 2 * n

    @on_io_thread()
    def fail(self) -> None:
        raise ValueError("from the port thread")

    @on_io_thread()
    def nested(self) -> tuple[str, str]:
        return threading.current_thread().name, self.where()  # already on it: in place

    @on_io_thread(timeout_s=0.05)
    def stuck(self, release: threading.Event) -> None:
        release.wait(5.0)


@pytest.fixture
def port() -> Iterator[Port]:
    p = Port()
    yield p
    p.io.shutdown()


def test_the_body_runs_on_the_io_thread(port: Port) -> None:
    assert port.where().startswith("io:test-port")
    assert threading.current_thread().name != port.where()
    assert port.twice(21) == 42 and port.waits[-1] == pytest.approx(2.1)  # the wait from the arguments


def test_an_exception_reaches_the_caller_unchanged(port: Port) -> None:
    with pytest.raises(ValueError, match="from the port thread"):
        port.fail()


def test_a_decorated_call_from_the_io_thread_runs_in_place(port: Port) -> None:
    outer, inner = port.nested()  # would deadlock on the one-thread pool otherwise
    assert outer == inner and outer.startswith("io:test-port")


def test_a_stuck_call_is_a_bounded_timeout(port: Port) -> None:
    release = threading.Event()
    try:
        with pytest.raises(DeviceTimeout) as raised:
            port.stuck(release)
        assert raised.value.code == "fingerprint.no_reply"
    finally:
        release.set()


def test_every_fingerprint_command_and_link_touch_hops_to_the_io_thread() -> None:
    commands = [
        "read_sys_para", "gen_img", "upload_image", "img2tz", "reg_model", "match", "search", "store",
        "load_char", "delete_templates", "empty_library", "template_count", "read_index_table", "up_char",
        "set_sys_para", "check_sensor", "_aura_led", "verify_password", "_identify",
        "_scan_all_bauds", "_scan_common_bauds",
    ]  # fmt: skip
    assert all(runs_on_io_thread(getattr(Ef01Scanner, name)) for name in commands)
    # No method wraps itself by hand any more: only run() (a one-off command) uses call_on_io.
    source = inspect.getsource(Ef01Scanner)
    assert source.count("self.run(") == 0 and source.count("self.call_on_io(") == 1
    link = ["_io_try", "_io_write", "_io_stop", "_io_read", "_io_close"]
    assert all(runs_on_io_thread(getattr(Isdv4Link, name)) for name in link)
    assert "self._io.call(" in inspect.getsource(Isdv4Link.call_on_io)
    assert inspect.getsource(Isdv4Link).count("self._io.call(") == 1
