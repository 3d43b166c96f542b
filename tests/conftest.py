"""Every test gets a fresh data directory, never the developer's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def station_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "station-home"
    monkeypatch.setenv("STATION_HOME", str(home))
    monkeypatch.delenv("STATION_CENTRAL_URL", raising=False)
    yield home
