"""Qt tests: real widgets offscreen on a fresh station, simulated devices on ptys."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def demo_core(core):  # type: ignore[no-untyped-def]
    """The `core` station with simulated devices chosen explicitly (no port probing)
    and demo mode on, as `scripts/start` sets it up."""
    from station.config import save_config

    core.config.demo = True
    core.config.camera.driver = "opencv-sim"
    core.config.fingerprint.driver = "ef01-sim"
    core.config.signature.driver = "isdv4-sim"
    core.config.iris.driver = "sbi-iris-sim"
    save_config(core.config, core.home)
    return core


@pytest.fixture
def ctx(qapp, demo_core) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """An AppContext for widgets under test; closes its devices and threads after."""
    from ui.app_context import AppContext
    from ui.tasks import Tasks

    c = AppContext(demo_core, Tasks(), lang="id")
    yield c
    c.close()


@pytest.fixture
def supervisor_ctx(ctx):  # type: ignore[no-untyped-def]
    """Logged in as the supervisor with the password: the session the consoles and the
    core's administration take (a bare User is refused there)."""
    from tests.conftest import SUPERVISOR_PASSWORD

    ctx.set_user(ctx.core.auth.login("spv", SUPERVISOR_PASSWORD))
    return ctx


@pytest.fixture
def indonesian(qapp):  # type: ignore[no-untyped-def]
    """The app's default language installed, as `station` does at start; removed after."""
    from ui import i18n

    i18n.install(qapp, "id")
    yield
    i18n.install(qapp, "en")


def spv_session(core):  # type: ignore[no-untyped-def]
    """The supervisor's authenticated session, for setting up accounts in a test."""
    from tests.conftest import SUPERVISOR_PASSWORD

    return core.auth.login("spv", SUPERVISOR_PASSWORD)


def log_in(qtbot, w, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Type the credentials into the window's login page and press its button."""
    page = w.login_page
    page.username.setText(username)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
