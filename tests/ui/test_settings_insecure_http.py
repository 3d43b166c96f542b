"""The settings tab's http:// switch (issue 11): http:// to another computer is refused
by the form, naming the setting, until a supervisor ticks it; the tick says what then
protects the records."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox

from station.config import load_config
from tests.ui.test_console_admin import WAIT_MS, click, type_into
from ui.admin.settings_tab import INSECURE_HTTP_NOTE
from ui.console_admin import AdminConsole


@pytest.fixture
def settings(qtbot, supervisor_ctx):  # type: ignore[no-untyped-def]
    c = AdminConsole(supervisor_ctx)
    qtbot.addWidget(c)
    c.show()
    tab = c.settings
    qtbot.waitUntil(lambda: tab.inputs["security.idle_lock_minutes"].value() == 5, timeout=WAIT_MS)
    return tab


def test_remote_http_is_refused_on_its_field_until_allowed(qtbot, settings, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    box = settings.inputs["sync.allow_insecure_http"]
    assert isinstance(box, QCheckBox) and not box.isChecked()
    assert box.text() == supervisor_ctx.t(INSECURE_HTTP_NOTE)  # in the station's language
    assert "integrity rests on the request and receipt signatures" in INSECURE_HTTP_NOTE.en
    assert "still encrypted to the centre" in INSECURE_HTTP_NOTE.en
    path = supervisor_ctx.core.home / "station.toml"
    body = path.read_text()
    type_into(qtbot, settings.inputs["central_url"], "http://10.0.0.5:8700")
    click(qtbot, settings.save_button)
    qtbot.waitUntil(lambda: bool(settings.errors["central_url"].text()), timeout=WAIT_MS)
    assert "sync.allow_insecure_http" in settings.errors["central_url"].text()
    assert path.read_text() == body
    box.setChecked(True)
    click(qtbot, settings.save_button)
    qtbot.waitUntil(lambda: "station.toml" in settings.message.text(), timeout=WAIT_MS)
    saved = load_config(supervisor_ctx.core.home)
    assert saved.central_url == "http://10.0.0.5:8700" and saved.sync.allow_insecure_http is True


def test_a_loopback_or_https_centre_needs_no_permission(qtbot, settings, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, settings.inputs["central_url"], "http://127.0.0.1:8700")
    click(qtbot, settings.save_button)
    qtbot.waitUntil(lambda: "station.toml" in settings.message.text(), timeout=WAIT_MS)
    assert load_config(supervisor_ctx.core.home).sync.allow_insecure_http is False
