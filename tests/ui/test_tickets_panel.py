"""The counter's tickets panel through its real widgets on a fresh station."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from station.nik import make_nik, mask_nik
from ui.tickets_panel import CalledTicket, TicketsPanel

WAIT_MS = 15_000
NIK_SITI = make_nik("32", "04", "91", date(1990, 3, 7), "P", 17)
NIK_BUDI = make_nik("32", "04", "95", date(1984, 8, 17), "L", 3)


def panel(qtbot: Any, ctx: Any) -> TicketsPanel:
    p = TicketsPanel(ctx)
    qtbot.addWidget(p)
    p.resize(1000, 600)
    p.show()
    qtbot.waitUntil(lambda: p.snapshot is not None, timeout=WAIT_MS)
    return p


def today() -> str:
    return datetime.now().astimezone().date().isoformat()


def write_csv(tmp_path: Path) -> Path:
    path = tmp_path / "janji.csv"
    path.write_text(
        "name;NIK;date;time slot\n"
        f"Siti Aminah;{NIK_SITI};{today()};08:00-09:00\n"
        f"Budi;320491123;{today()};09:00-10:00\n"  # line 3: a malformed NIK
        f"Budi Santoso;{NIK_BUDI};{today()};09:00-10:00\n",
        encoding="utf-8-sig",
    )
    return path


def import_csv(qtbot: Any, p: TicketsPanel, path: Path) -> Any:
    with qtbot.waitSignal(p.import_finished, timeout=WAIT_MS) as blocker:
        p.import_csv(path)
    qtbot.waitUntil(lambda: p.appointments.rowCount() > 0, timeout=WAIT_MS)
    return blocker.args[0]


def select_row(table: Any, text: str, column: int = 1) -> None:
    for row in range(table.rowCount()):
        if table.item(row, column).text() == text:
            table.selectRow(row)
            return
    raise AssertionError(f"{text!r} not in the table")


def test_two_tickets_then_call_next_emits_the_first(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    p = panel(qtbot, supervisor_ctx)
    p.name_edit.setText("Joko Widodo")
    qtbot.mouseClick(p.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.last_number.text() == "A-001", timeout=WAIT_MS)
    assert p.name_edit.text() == ""
    qtbot.mouseClick(p.issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 2, timeout=WAIT_MS)
    assert [p.waiting.item(r, 0).text() for r in range(2)] == ["A-001", "A-002"]
    assert p.waiting.item(0, 1).text() == "JOKO WIDODO"
    with qtbot.waitSignal(p.ticket_called, timeout=WAIT_MS) as blocker:
        qtbot.mouseClick(p.call_next_button, Qt.MouseButton.LeftButton)
    called = blocker.args[0]
    assert isinstance(called, CalledTicket)
    assert (called.number, called.prefill) == ("A-001", {"nama": "JOKO WIDODO"})
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1 and p.called.rowCount() == 1, timeout=WAIT_MS)
    assert p.called.item(0, 0).text() == "A-001" and p.called.item(0, 2).text() == "spv"


def test_imported_appointment_checked_in_and_called_prefills_name_and_nik(qtbot, supervisor_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = panel(qtbot, supervisor_ctx)
    report = import_csv(qtbot, p, write_csv(tmp_path))
    assert (report.imported, report.refused) == (2, 1)
    qtbot.waitUntil(lambda: p.appointments.rowCount() == 2, timeout=WAIT_MS)
    shown = {p.appointments.item(r, 1).text(): p.appointments.item(r, 2).text() for r in range(2)}
    assert shown == {"SITI AMINAH": mask_nik(NIK_SITI), "BUDI SANTOSO": mask_nik(NIK_BUDI)}
    select_row(p.appointments, "SITI AMINAH")
    qtbot.mouseClick(p.check_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1, timeout=WAIT_MS)
    assert p.waiting.item(0, 3).text() == "08:00-09:00"
    with qtbot.waitSignal(p.ticket_called, timeout=WAIT_MS) as blocker:
        p.call_next()
    called = blocker.args[0]
    assert called.number == "A-001"
    assert called.prefill == {"nama": "Siti Aminah", "nik": NIK_SITI}


def test_a_bad_row_is_reported_with_its_line_number(qtbot, supervisor_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = panel(qtbot, supervisor_ctx)
    import_csv(qtbot, p, write_csv(tmp_path))
    dialog = p.import_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert [line for line, _reason in rows] == [3]
    assert "NIK" in rows[0][1] and "16" in rows[0][1]  # Indonesian: "NIK harus 16 digit (terisi 9)."
    # rows read, imported, already listed, refused (whatever the language)
    assert re.findall(r"\d+", dialog.summary.text()) == ["3", "2", "0", "1"]
    # The same file again adds nothing and still names the bad row.
    dialog.close()
    again = import_csv(qtbot, p, write_csv(tmp_path))
    assert (again.imported, again.already_listed) == (0, 2)
    assert p.import_dialog is not None and p.import_dialog.rows()[0][0] == 3


def test_no_show_and_refusals_are_said_on_the_message_line(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    p = panel(qtbot, supervisor_ctx)
    p.call_next()
    qtbot.waitUntil(lambda: p.message.text() != "", timeout=WAIT_MS)
    assert p.message.text() == p.tr("Nobody is waiting.")
    p.issue_ticket()
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1, timeout=WAIT_MS)
    with qtbot.waitSignal(p.ticket_called, timeout=WAIT_MS) as blocker:
        p.call_next()
    ticket_id = blocker.args[0].ticket_id
    qtbot.waitUntil(lambda: p.called.rowCount() == 1, timeout=WAIT_MS)
    p.mark_served(ticket_id, "00000000-0000-4000-8000-000000000000")  # no such sealed record
    qtbot.waitUntil(lambda: "sealed" in p.message.text() or "segel" in p.message.text(), timeout=WAIT_MS)
    qtbot.mouseClick(p.requeue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1 and p.called.rowCount() == 0, timeout=WAIT_MS)
    p.call_next()
    qtbot.waitUntil(lambda: p.called.rowCount() == 1, timeout=WAIT_MS)
    p.no_show(requeue=False)
    qtbot.waitUntil(lambda: p.called.rowCount() == 0 and p.waiting.rowCount() == 0, timeout=WAIT_MS)
    assert "A-001" in p.message.text()


def test_nothing_happens_without_a_logged_in_operator(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    p = panel(qtbot, ctx)
    p.issue_ticket()
    assert p.message.text() == p.tr("Log in first: every ticket action is recorded with the operator's name.")
    ctx.tasks.wait(5_000)
    assert p.tickets.waiting() == []


def test_a_ticket_issued_elsewhere_shows_without_polling(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    """The clock's refresh is stopped: only the core's notification can bring the ticket in,
    and it must do so sooner than the old 5-second poll would have."""
    import threading

    from station.tickets import CounterTickets

    p = panel(qtbot, supervisor_ctx)
    p.timer.stop()
    assert p.timer.interval() >= 60_000
    elsewhere = CounterTickets(supervisor_ctx.core.db, supervisor_ctx.core.key, events=supervisor_ctx.core.events)
    writer = threading.Thread(target=elsewhere.issue_ticket, args=("spv", "Dewi Lestari"))
    writer.start()
    writer.join(timeout=WAIT_MS / 1000)
    assert not writer.is_alive()
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1, timeout=3_000)
    assert p.waiting.item(0, 1).text() == "DEWI LESTARI"


def test_a_change_while_hidden_is_shown_when_the_panel_is(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    from station.tickets import CounterTickets

    p = panel(qtbot, supervisor_ctx)
    p.timer.stop()
    p.hide()
    elsewhere = CounterTickets(supervisor_ctx.core.db, supervisor_ctx.core.key, events=supervisor_ctx.core.events)
    with qtbot.waitSignal(supervisor_ctx.events.changed, timeout=WAIT_MS):
        elsewhere.issue_ticket("spv")
    # The panel's watch is connected to the same signal and has run by now: hidden, it
    # only remembers that it is stale and reads nothing.
    assert p._stale and not p._refreshing and p.waiting.rowCount() == 0
    p.show()
    qtbot.waitUntil(lambda: p.waiting.rowCount() == 1, timeout=3_000)
