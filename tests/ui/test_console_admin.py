"""The supervisor's administration console, driven through its real widgets."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget

from common.errors import AuthError
from station.admin import AuditFilter
from station.auth import Role
from station.config import load_config
from tests.conftest import SUPERVISOR_PASSWORD
from tests.ui.conftest import spv_session
from ui.admin.audit_tab import CHAIN_BROKEN_STYLE, CHAIN_OK_STYLE
from ui.console_admin import AdminConsole

WAIT_MS = 15_000
PW = "kata-sandi-1"


@pytest.fixture
def console(qtbot, supervisor_ctx) -> AdminConsole:  # type: ignore[no-untyped-def]
    c = AdminConsole(supervisor_ctx)
    qtbot.addWidget(c)
    c.resize(1366, 700)
    c.show()
    qtbot.waitUntil(lambda: bool(c.operators.rows) and c.audit.view is not None, timeout=WAIT_MS)
    return c


def rows(console: AdminConsole) -> dict[str, Any]:
    return {r.username: r for r in console.operators.rows}


def select(console: AdminConsole, username: str) -> None:
    index = [r.username for r in console.operators.rows].index(username)
    console.operators.table.selectRow(index)
    assert console.operators.selected() is not None and console.operators.selected().username == username


def click(qtbot, button: QPushButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.clear()
    qtbot.keyClicks(edit, text)


def add_operator(qtbot, console: AdminConsole, username: str, role: Role, password: str, confirm: str) -> None:  # type: ignore[no-untyped-def]
    tab = console.operators
    type_into(qtbot, tab.new_username, username)
    type_into(qtbot, tab.new_full_name, username.title() + " Petugas")
    tab.new_role.setCurrentIndex(tab.new_role.findData(role))
    type_into(qtbot, tab.new_password, password)
    type_into(qtbot, tab.new_confirm, confirm)
    click(qtbot, tab.add_button)
    qtbot.waitUntil(lambda: bool(tab.add_message.text()), timeout=WAIT_MS)


def wait_message(qtbot, console: AdminConsole, before: str) -> str:  # type: ignore[no-untyped-def]
    line = console.operators.message
    qtbot.waitUntil(lambda: line.text() != before and bool(line.text()), timeout=WAIT_MS)
    return line.text()


def act(qtbot, console: AdminConsole, button: QPushButton) -> str:  # type: ignore[no-untyped-def]
    console.operators.message.clear()
    click(qtbot, button)
    return wait_message(qtbot, console, "")


def test_opened_by_a_supervisor_it_shows_four_tabs_and_the_accounts(console) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(console.tabs, QTabWidget) and console.tabs.count() == 5
    assert console.refusal.isHidden()
    assert list(rows(console)) == ["spv"]
    table = console.operators.table
    assert [table.item(0, j).text() for j in (0, 3, 5)] == ["spv", "yes", "0"]
    assert AdminConsole.roles == (Role.SUPERVISOR,)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.TECHNICIAN])
def test_refused_to_an_operator_and_a_technician(qtbot, ctx, role) -> None:  # type: ignore[no-untyped-def]
    ctx.core.auth.add_operator("ani", "Ani", role, PW, by=spv_session(ctx.core))
    ctx.set_user(ctx.core.auth.login("ani", PW))
    c = AdminConsole(ctx)
    qtbot.addWidget(c)
    c.show()
    assert c.tabs is None and not c.refusal.isHidden()
    assert "supervisor" in c.refusal.text()
    assert c.findChildren(QPushButton) == [] and c.findChildren(QLineEdit) == [] and c.findChildren(QTabWidget) == []


def test_logging_out_takes_the_controls_away(console, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    supervisor_ctx.set_user(None)
    assert console.tabs is not None and console.tabs.isHidden() and not console.tabs.isEnabled()
    assert not console.refusal.isHidden()


def test_operator_administration_round_trip(qtbot, console, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    auth = supervisor_ctx.core.auth
    tab = console.operators
    add_operator(qtbot, console, "ani", Role.OPERATOR, PW, PW + "x")
    assert "tidak sama" in tab.add_message.text() and "ani" not in rows(console)
    add_operator(qtbot, console, "ani", Role.OPERATOR, "pendek", "pendek")
    assert "minimal 8" in tab.add_message.text()
    add_operator(qtbot, console, "ani", Role.OPERATOR, PW, PW)
    qtbot.waitUntil(lambda: "ani" in rows(console), timeout=WAIT_MS)
    assert rows(console)["ani"].role == Role.OPERATOR and tab.new_password.text() == ""

    # Locked by failed logins, then unlocked from the console.
    for _ in range(5):
        with pytest.raises(AuthError):
            auth.login("ani", "salah-salah")
    tab.refresh()
    qtbot.waitUntil(lambda: rows(console)["ani"].locked_until is not None, timeout=WAIT_MS)
    select(console, "ani")
    act(qtbot, console, tab.unlock_button)
    qtbot.waitUntil(lambda: rows(console)["ani"].locked_until is None, timeout=WAIT_MS)
    assert auth.login("ani", PW).username == "ani"

    # A new password, twice; the old one stops working.
    select(console, "ani")
    type_into(qtbot, tab.reset_password, "baru-sekali-1")
    type_into(qtbot, tab.reset_confirm, "baru-sekali-2")
    assert "tidak sama" in act(qtbot, console, tab.reset_button)
    type_into(qtbot, tab.reset_confirm, "baru-sekali-1")
    assert "ani" in act(qtbot, console, tab.reset_button)
    assert tab.reset_password.text() == "" and tab.reset_confirm.text() == ""
    assert auth.login("ani", "baru-sekali-1").username == "ani"
    with pytest.raises(AuthError):
        auth.login("ani", PW)

    # Change role.
    select(console, "ani")
    tab.role.setCurrentIndex(tab.role.findData(Role.TECHNICIAN))
    act(qtbot, console, tab.role_button)
    qtbot.waitUntil(lambda: rows(console)["ani"].role == Role.TECHNICIAN, timeout=WAIT_MS)
    assert auth.login("ani", "baru-sekali-1").role == Role.TECHNICIAN

    # Deactivate: login refused; the button now offers reactivation.
    select(console, "ani")
    act(qtbot, console, tab.active_button)
    qtbot.waitUntil(lambda: not rows(console)["ani"].active, timeout=WAIT_MS)
    with pytest.raises(AuthError):
        auth.login("ani", "baru-sekali-1")
    select(console, "ani")
    assert tab.active_button.text() == "Reactivate"

    # The only supervisor can be neither deactivated nor demoted.
    select(console, "spv")
    assert "satu-satunya supervisor aktif" in act(qtbot, console, tab.active_button)
    tab.role.setCurrentIndex(tab.role.findData(Role.OPERATOR))
    assert "satu-satunya supervisor aktif" in act(qtbot, console, tab.role_button)
    assert tab.message.styleSheet() != "" and "b00020" in tab.message.styleSheet()
    spv = auth.operators.get("spv")
    assert spv.active and spv.role == "supervisor"
    # With a second supervisor, spv still cannot deactivate themselves.
    add_operator(qtbot, console, "kepala", Role.SUPERVISOR, PW, PW)
    qtbot.waitUntil(lambda: "kepala" in rows(console), timeout=WAIT_MS)
    select(console, "spv")
    assert "akun Anda sendiri" in act(qtbot, console, tab.active_button)
    assert auth.login("spv", SUPERVISOR_PASSWORD).role == Role.SUPERVISOR

    # The audit log shows what was just done, by action and by person, and the chain holds.
    console.tabs.setCurrentWidget(console.audit)
    audit = console.audit
    qtbot.waitUntil(lambda: audit.action.findData("operator_role") >= 0, timeout=WAIT_MS)
    audit.action.setCurrentIndex(audit.action.findData("operator_role"))
    qtbot.waitUntil(lambda: audit.view_filter == AuditFilter(action="operator_role"), timeout=WAIT_MS)
    assert {r.action for r in audit.view.rows} == {"operator_role"}
    assert audit.table.rowCount() == 1
    assert [audit.table.item(0, j).text() for j in (2, 3, 4)] == ["spv", "operator_role", "ani"]
    assert audit.table.item(0, 5).text() == "operator → technician"
    audit.action.setCurrentIndex(0)
    audit.actor.setCurrentIndex(audit.actor.findData("spv"))
    qtbot.waitUntil(lambda: audit.view_filter == AuditFilter(actor="spv"), timeout=WAIT_MS)
    assert {r.actor for r in audit.view.rows} == {"spv"}
    done = [r.action for r in audit.view.rows]
    for action in ("operator_add", "operator_unlock", "password_reset", "operator_role", "operator_deactivate"):
        assert action in done
    assert done.index("operator_deactivate") < done.index("operator_role") < done.index("password_reset")
    assert audit.chain.styleSheet() == CHAIN_OK_STYLE
    assert f"intact ({audit.view.chain.count} events)" in audit.chain.text()
    assert "baru-sekali" not in " ".join(r.detail for r in audit.view.rows)


def test_a_tampered_row_shows_the_chain_broken_at_its_number(qtbot, console, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    add_operator(qtbot, console, "ani", Role.OPERATOR, PW, PW)
    qtbot.waitUntil(lambda: "ani" in rows(console), timeout=WAIT_MS)
    audit = console.audit
    # The audit tab reloads on its own after the add: wait for ani's row itself (the
    # supervisor's own operator_add may already fill the action filter).
    qtbot.waitUntil(
        lambda: any(r.action == "operator_add" and r.target == "ani" for r in audit.view.rows), timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: audit.chain.styleSheet() == CHAIN_OK_STYLE, timeout=WAIT_MS)
    seq = next(r.seq for r in audit.view.rows if r.action == "operator_add" and r.target == "ani")
    with sqlite3.connect(supervisor_ctx.core.home / "station.db") as conn:
        conn.execute("UPDATE audit_events SET detail = ? WHERE seq = ?", ('{"role":"supervisor"}', seq))
    click(qtbot, audit.refresh_button)
    qtbot.waitUntil(lambda: audit.chain.styleSheet() == CHAIN_BROKEN_STYLE, timeout=WAIT_MS)
    assert f"BROKEN at event #{seq}" in audit.chain.text()
    broken_row = [audit.table.item(i, 0).text() for i in range(audit.table.rowCount())].index(str(seq))
    assert audit.table.item(broken_row, 3).foreground().color() == Qt.GlobalColor.red
    assert "altered" in audit.chain.text()
    assert f"#{seq}: isi tidak cocok dengan hash-nya (baris diubah)" in audit.chain.toolTip()  # ctx.lang


def test_settings_refusal_is_shown_on_its_field_and_nothing_is_saved(qtbot, console, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    tab = console.settings
    qtbot.waitUntil(lambda: tab.inputs["security.idle_lock_minutes"].value() == 5, timeout=WAIT_MS)
    path = supervisor_ctx.core.home / "station.toml"
    body = path.read_text()
    tab.inputs["security.idle_lock_minutes"].setValue(0)
    type_into(qtbot, tab.inputs["central_url"], "pusat.example")
    tab.inputs["sync.warn_pending"].setValue(100)  # valid on its own: still not saved
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: bool(tab.errors["security.idle_lock_minutes"].text()), timeout=WAIT_MS)
    assert "1 sampai 240 menit" in tab.errors["security.idle_lock_minutes"].text()
    assert "http://" in tab.errors["central_url"].text()
    assert tab.errors["sync.warn_pending"].text() == ""
    assert "Not saved" in tab.message.text()
    assert path.read_text() == body and supervisor_ctx.core.config.sync.warn_pending == 500


def test_settings_valid_change_is_saved_and_audited(qtbot, console, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    tab = console.settings
    qtbot.waitUntil(lambda: tab.inputs["security.idle_lock_minutes"].value() == 5, timeout=WAIT_MS)
    tab.inputs["security.idle_lock_minutes"].setValue(12)
    tab.inputs["sync.block_days_since_sync"].setValue(21)
    type_into(qtbot, tab.inputs["central_url"], "https://pusat.example")
    click(qtbot, tab.save_button)
    qtbot.waitUntil(lambda: "station.toml" in tab.message.text(), timeout=WAIT_MS)
    assert "next login" in tab.message.text() and "next start" in tab.message.text()
    assert all(e.text() == "" for e in tab.errors.values())
    saved = load_config(supervisor_ctx.core.home)
    assert saved.security.idle_lock_minutes == 12
    assert saved.sync.block_days_since_sync == 21 and saved.central_url == "https://pusat.example"
    audit = console.audit
    qtbot.waitUntil(lambda: audit.view is not None and audit.view.rows[0].action == "settings_change", timeout=WAIT_MS)
    row = audit.view.rows[0]
    assert row.actor == "spv" and "security.idle_lock_minutes: 5 → 12" in row.detail


def test_indonesian_labels(qtbot, indonesian, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    c = AdminConsole(supervisor_ctx)
    qtbot.addWidget(c)
    assert c.tabs is not None
    assert [c.tabs.tabText(i) for i in range(5)] == [
        "Operator",
        "Rekap harian",
        "Persetujuan",
        "Log audit",
        "Pengaturan",
    ]
    assert c.operators.add_button.text() == "Tambah"
    qtbot.waitUntil(lambda: c.audit.view is not None, timeout=WAIT_MS)
    assert c.audit.chain.text().startswith("✔ Rantai audit utuh")


def test_the_daily_recap_tab_counts_the_day_and_exports_csv_and_pdf(  # type: ignore[no-untyped-def]
    qtbot, console, supervisor_ctx, supervisor, tmp_path
) -> None:
    import csv

    import pypdf

    from station.enroll_synthetic import enroll_synthetic

    recap = console.recap
    assert console.tabs is not None
    console.tabs.setCurrentWidget(recap)
    qtbot.waitUntil(lambda: recap.messages.shown == "nothing", timeout=WAIT_MS)
    assert recap.table.rowCount() == 0 and not recap.csv_button.isEnabled()
    enroll_synthetic(supervisor_ctx.core, 3, seed=34, operator=supervisor, approver=supervisor)  # 35: a bandage
    recap.refresh_button.click()
    qtbot.waitUntil(lambda: recap.table.rowCount() == 2, timeout=WAIT_MS)  # spv and the total
    texts = [[recap.table.item(i, j).text() for j in range(recap.table.columnCount())] for i in range(2)]
    assert texts[0][:4] == ["spv", "Supervisor Uji", "3", "1"] and texts[1][0] == "JUMLAH" and texts[1][2] == "3"
    assert recap.csv_button.isEnabled() and recap.pdf_button.isEnabled()
    for pdf, name in ((False, "rekap.csv"), (True, "rekap.pdf")):
        target = tmp_path / name
        recap.export(pdf=pdf, path=target)
        qtbot.waitUntil(lambda t=target: recap.messages.shown == "saved" and t.exists(), timeout=WAIT_MS)
    rows = list(csv.reader((tmp_path / "rekap.csv").open(encoding="utf-8")))
    assert [r[1] for r in rows[2:]] == ["spv", "JUMLAH"]  # the screen's language (the fixture's: id)
    text = " ".join(pypdf.PdfReader(tmp_path / "rekap.pdf").pages[0].extract_text().split())
    assert "Supervisor Uji" in text and "Rekap harian perekaman" in text
