"""A central receiver process and a station joined to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.fault_proxy import FaultProxy
from testing.harness import CentralServer, join


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    s = CentralServer(tmp_path / "central").start()
    yield s
    s.stop()


@pytest.fixture
def joined(core, server):  # type: ignore[no-untyped-def]
    join(core, server)
    return core


@pytest.fixture
def proxy(server: CentralServer) -> Iterator[FaultProxy]:
    p = FaultProxy("127.0.0.1", server.port).start()
    yield p
    p.stop()


@pytest.fixture
def station(core, server, proxy):  # type: ignore[no-untyped-def]
    """A station joined to the centre through the fault proxy."""
    join(core, server, url=proxy.url)
    return core
