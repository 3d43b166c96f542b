"""The counter's tickets and appointment import, against a real store (no Qt)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text

from common.errors import Cancelled, StateError, ValidationError
from common.progress import CancelToken
from station.nik import make_nik, mask_nik
from station.tickets import CALLED, SERVED, WAITING, CounterTickets
from store import audit
from store.models import AuditEvent
from tests.conftest import database_at_revision

WIB = timezone(timedelta(hours=7))
TODAY = date(2026, 11, 23)
NIK_A = make_nik("32", "04", "91", date(1990, 3, 7), "P", 17)
NIK_B = make_nik("32", "04", "92", date(1985, 12, 1), "L", 4)
NIK_C = make_nik("33", "01", "93", date(2001, 6, 30), "P", 250)


def nik(i: int) -> str:
    return make_nik("32", "04", str(90 + i % 10), date(1990, 1, 1), "L", i + 1)


class Clock:
    """A settable clock: 09:00 WIB on TODAY unless moved."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tickets(core, clock):  # type: ignore[no-untyped-def]
    return CounterTickets(core.db, core.key, clock=clock, tz=WIB)


def csv_bytes(*lines: str, delimiter: str = ",", bom: bool = False) -> bytes:
    body = "\n".join(line.replace(",", delimiter) for line in lines) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8")


HEADER = "name,NIK,date,time slot"


# --- tickets -----------------------------------------------------------------------


def test_numbers_count_up_within_a_local_day_and_restart_the_next(tickets, clock):
    assert [tickets.issue_ticket("spv").number for _ in range(3)] == ["A-001", "A-002", "A-003"]
    # 16:59 UTC is still 23:59 WIB: the same day.
    clock.now = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)
    assert tickets.issue_ticket("spv").number == "A-004"
    # 17:00 UTC is midnight WIB: a new day, numbering restarts.
    clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert tickets.today() == "2026-11-24"
    assert tickets.issue_ticket("spv", "  siti   aminah ").number == "A-001"
    waiting = tickets.waiting()
    assert [(t.number, t.name) for t in waiting] == [("A-001", "SITI AMINAH")]  # yesterday's are not shown


def test_a_name_with_digits_is_refused(tickets):
    with pytest.raises(ValidationError):
        tickets.issue_ticket("spv", "R2D2")
    assert tickets.waiting() == []


def test_call_next_takes_the_oldest_and_a_called_ticket_cannot_be_called_again(tickets):
    first, second, third = (tickets.issue_ticket("spv") for _ in range(3))
    called = tickets.call_next("spv")
    assert called is not None and called.number == "A-001" and called.ticket_id == first.ticket_id
    specific = tickets.call_ticket(third.ticket_id, "clerk")
    assert specific.number == "A-003"
    with pytest.raises(StateError) as err:
        tickets.call_ticket(third.ticket_id, "spv")
    assert "clerk" in err.value.message.en
    assert [t.number for t in tickets.waiting()] == ["A-002"]
    assert {t.number: t.called_by for t in tickets.called()} == {"A-001": "spv", "A-003": "clerk"}
    assert tickets.call_next("spv") is not None
    assert tickets.call_next("spv") is None  # nobody waits


def test_two_counters_calling_at_once_never_get_the_same_ticket(tickets):
    issued = {tickets.issue_ticket("spv").ticket_id for _ in range(40)}
    got: dict[str, list[int]] = {"loket1": [], "loket2": []}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def counter(name: str) -> None:
        try:
            barrier.wait()
            while (called := tickets.call_next(name)) is not None:
                got[name].append(called.ticket_id)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=counter, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert not set(got["loket1"]) & set(got["loket2"])
    assert sorted(got["loket1"] + got["loket2"]) == sorted(issued)
    assert got["loket1"] and got["loket2"]  # both counters really competed
    assert tickets.waiting() == []


def test_no_show_and_requeue_at_the_end(tickets, core):
    a, b, c = (tickets.issue_ticket("spv") for _ in range(3))
    with pytest.raises(StateError):
        tickets.mark_no_show(a.ticket_id, "spv")  # still waiting: not called yet
    tickets.call_next("spv")
    requeued = tickets.mark_no_show(a.ticket_id, "spv", requeue=True)
    assert requeued.state == WAITING and requeued.requeues == 1
    assert [t.number for t in tickets.waiting()] == ["A-002", "A-003", "A-001"]
    called = tickets.call_next("spv")
    assert called is not None and called.number == "A-002"
    gone = tickets.mark_no_show(b.ticket_id, "spv")
    assert gone.state == "NO_SHOW"
    assert [t.number for t in tickets.waiting()] == ["A-003", "A-001"]
    with core.db.read() as session:
        actions = [(e.action, e.actor, e.target) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert ("queue_requeue", "spv", "2026-11-23 A-001") in actions
    assert ("queue_no_show", "spv", "2026-11-23 A-002") in actions


def test_served_needs_a_sealed_record_and_links_it(tickets, core, supervisor):
    from station.enroll_synthetic import enroll_synthetic

    ticket = tickets.issue_ticket("spv")
    report = enroll_synthetic(core, 1, seed=3, operator=supervisor, approver=supervisor)
    record_uuid = core.enrollments.find_by_reg(report.first_reg)[0].uuid
    with pytest.raises(StateError):
        tickets.mark_served(ticket.ticket_id, record_uuid, "spv")  # not called yet
    tickets.call_next("spv")
    with pytest.raises(ValidationError):
        tickets.mark_served(ticket.ticket_id, "00000000-0000-4000-8000-000000000000", "spv")
    served = tickets.mark_served(ticket.ticket_id, record_uuid, "spv")
    assert served.state == SERVED
    assert tickets.mark_served(ticket.ticket_id, record_uuid, "spv").state == SERVED  # a retry is harmless
    assert tickets.repo.ticket(ticket.ticket_id).record_uuid == record_uuid  # type: ignore[union-attr]
    assert tickets.snapshot().served_today == 1
    with core.db.read() as session:
        count, problems = audit.verify_chain(session)
    assert problems == [] and count > 0


# --- appointments ----------------------------------------------------------------------


def test_import_takes_the_good_rows_and_names_every_bad_one_by_line(tickets):
    data = csv_bytes(
        HEADER,
        f"Siti Aminah,{NIK_A},2026-11-23,08:00-09:00",  # line 2: good
        "Budi,3204911234,2026-11-23,08:00-09:00",  # 3: NIK too short
        f",{NIK_B},2026-11-23,09:00-10:00",  # 4: no name
        f"Ani,{NIK_C},2026-02-30,09:00-10:00",  # 5: no such date
        f"Siti Lagi,{NIK_A},24-11-2026,10:00-11:00",  # 6: NIK already on line 2
        "",  # 7: blank lines are skipped
        f"Joko,{nik(1)},2026-11-22,10:00-11:00",  # 8: in the past
        f"Rina,{nik(2)},2026-11-24,11:00-10:00",  # 9: slot runs backwards
        "Dewi,3.20491E+15,2026-11-24,10:00-11:00",  # 10: the spreadsheet ate the NIK
        f"Wati,{nik(3)},24/11/2026,13.00 - 14.00",  # 11: good (DD/MM/YYYY, dotted times)
        f"Tono,{NIK_C},2026-11-24,13:00-14:00",  # 12: NIK of the refused line 5
    )
    report = tickets.import_appointments(data, "spv")
    assert (report.rows, report.imported, report.already_listed, report.refused) == (10, 2, 0, 8)
    by_line = {p.line: p.code for p in report.problems}
    assert by_line == {
        3: "nik.length",
        4: "name.missing",
        5: "date.invalid",
        6: "nik.duplicate",
        8: "date.past",
        9: "slot.invalid",
        10: "nik.spreadsheet",
        12: "nik.duplicate",
    }
    assert "line 2" in next(p for p in report.problems if p.line == 6).reason.en
    assert all(p.reason.id and p.reason.en for p in report.problems)
    today = tickets.appointments_today()
    assert [(a.name, a.nik_masked, a.slot, a.checked_in) for a in today] == [
        ("SITI AMINAH", mask_nik(NIK_A), "08:00-09:00", False)
    ]


def test_every_problem_of_one_row_is_reported(tickets):
    report = tickets.import_appointments(csv_bytes(HEADER, "R2D2,12,someday,soon"), "spv")
    assert report.imported == 0
    assert sorted(p.code for p in report.problems) == ["date.invalid", "name.invalid", "nik.length", "slot.invalid"]
    assert {p.line for p in report.problems} == {2}


def test_reimporting_the_same_file_adds_nothing(tickets, core):
    data = csv_bytes(HEADER, f"Siti,{NIK_A},2026-11-23,08:00-09:00", f"Budi,{NIK_B},2026-11-23,09:00-10:00")
    assert tickets.import_appointments(data, "spv").imported == 2
    again = tickets.import_appointments(data, "spv")
    assert (again.imported, again.already_listed, again.problems) == (0, 2, [])
    assert len(tickets.appointments_today()) == 2
    with core.db.read() as session:
        assert session.execute(text("SELECT count(*) FROM appointments")).scalar() == 2


def test_semicolon_file_with_a_bom_and_day_first_dates(tickets):
    data = (
        "\ufeffNama;NIK;Tanggal;Jam\r\nAminah, S.Pd;{a};23-11-2026;08:00-09:00\r\nBudi;{b};23-11-2026;09:00-10:00\r\n"
    )
    report = tickets.import_appointments(data.format(a=NIK_A, b=NIK_B).encode("utf-8"), "spv")
    assert report.problems == [] and report.imported == 2
    assert [(a.name, a.slot) for a in tickets.appointments_today()] == [
        ("AMINAH, S.PD", "08:00-09:00"),
        ("BUDI", "09:00-10:00"),
    ]
    called = tickets.call_ticket(
        tickets.check_in(tickets.appointments_today()[0].appointment_id, "spv").ticket_id, "spv"
    )
    assert called.prefill == {"nama": "Aminah, S.Pd", "nik": NIK_A}  # no BOM stuck to anything


def test_a_file_without_the_headings_or_not_utf8_is_refused_whole(tickets):
    with pytest.raises(ValidationError) as err:
        tickets.import_appointments(csv_bytes(f"Siti,{NIK_A},2026-11-23,08:00-09:00"), "spv")
    assert "missing" in err.value.message.en
    with pytest.raises(ValidationError) as err:
        tickets.import_appointments(HEADER.encode() + b"\nSit\xe9,1,2,3\n", "spv")
    assert "line 2" in err.value.message.en
    assert tickets.appointments_today() == []


def test_check_in_issues_a_linked_ticket_and_calling_it_prefills_the_form(tickets):
    tickets.import_appointments(csv_bytes(HEADER, f"Siti Aminah,{NIK_A},2026-11-23,08:00-09:00"), "spv")
    walk_in = tickets.issue_ticket("spv", "Joko")
    appt = tickets.appointments_today()[0]
    ticket = tickets.check_in(appt.appointment_id, "spv")
    assert ticket.number == "A-002" and ticket.slot == "08:00-09:00"
    with pytest.raises(StateError):
        tickets.check_in(appt.appointment_id, "spv")
    assert tickets.appointments_today()[0].checked_in and tickets.appointments_today()[0].ticket_number == "A-002"
    first = tickets.call_next("spv")
    assert first is not None and first.ticket_id == walk_in.ticket_id and first.prefill == {"nama": "JOKO"}
    second = tickets.call_next("spv")
    assert second is not None and second.prefill == {"nama": "Siti Aminah", "nik": NIK_A}


def test_tomorrows_appointment_cannot_check_in_today(tickets, clock):
    tickets.import_appointments(csv_bytes(HEADER, f"Siti,{NIK_A},2026-11-24,08:00-09:00"), "spv")
    assert tickets.appointments_today() == []
    clock.now += timedelta(days=1)
    appt = tickets.appointments_today()[0]
    clock.now -= timedelta(days=1)
    with pytest.raises(StateError):
        tickets.check_in(appt.appointment_id, "spv")


def test_a_long_import_reports_progress_and_a_cancel_imports_nothing(tickets):
    lines = [HEADER] + [f"Warga {chr(65 + i % 26)},{nik(i)},2026-11-23,08:00-09:00" for i in range(1000)]
    data = csv_bytes(*lines)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        tickets.import_appointments(data, "spv", cancel=token)
    assert tickets.appointments_today() == []
    seen: list[float | None] = []
    report = tickets.import_appointments(data, "spv", progress=lambda f, _m: seen.append(f))
    assert report.imported == 1000 and report.problems == []
    fractions = [f for f in seen if f is not None]
    assert len(fractions) >= 5 and fractions == sorted(fractions) and fractions[-1] == 1.0


def test_no_nik_in_the_clear_in_the_database_file(tickets, core):
    data = csv_bytes(HEADER, f"Siti,{NIK_A},2026-11-23,08:00-09:00", f"Budi,{NIK_B},2026-11-23,09:00-10:00")
    tickets.import_appointments(data, "spv")
    tickets.check_in(tickets.appointments_today()[0].appointment_id, "spv")
    tickets.call_next("spv")
    core.db.close()  # checkpoint the WAL into the main file too
    raw = b"".join(p.read_bytes() for p in Path(core.home).glob("station.db*"))
    assert b"SITI" in raw  # the file really holds the rows (the name is in the clear on purpose)
    for nik in (NIK_A, NIK_B):
        assert nik.encode() not in raw
        assert nik.encode("utf-16-le") not in raw


def test_a_0003_database_upgrades_to_the_tickets_and_db_check_stays_green(tmp_path, core, tickets):
    from store.check import run_all
    from store.db import HEAD_REVISION, Database, current_revision

    old = Database(database_at_revision(tmp_path / "old.db", "0003"))
    old.open()
    assert current_revision(old.engine) == HEAD_REVISION
    with old.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM queue_tickets")).scalar() == 0
        assert conn.execute(text("SELECT code FROM station")).scalar() == "320412-01"
    old.close()

    tickets.import_appointments(csv_bytes(HEADER, f"Siti,{NIK_A},2026-11-23,08:00-09:00"), "spv")
    tickets.check_in(tickets.appointments_today()[0].appointment_id, "spv")
    tickets.call_next("spv")
    assert all(r.passed for r in run_all(core.db, core.key)), [r for r in run_all(core.db, core.key) if not r.passed]
    assert tickets.called()[0].state == CALLED


def test_every_committed_change_is_announced_and_a_refused_one_is_not(core, clock):  # type: ignore[no-untyped-def]
    from station.events import Change, Changes

    heard: list[Changes] = []
    core.events.subscribe(heard.append)
    desk = CounterTickets(core.db, core.key, events=core.events, clock=clock, tz=WIB)

    def announced(action):  # type: ignore[no-untyped-def]
        heard.clear()
        result = action()
        assert [Change.TICKETS in c for c in heard] == [True], heard
        return result

    first = announced(lambda: desk.issue_ticket("spv", "Siti"))
    announced(lambda: desk.issue_ticket("spv"))
    announced(lambda: desk.call_next("spv"))
    announced(lambda: desk.mark_no_show(first.ticket_id, "spv", requeue=True))
    second = announced(lambda: desk.call_next("spv"))
    announced(lambda: desk.mark_no_show(second.ticket_id, "spv"))
    data = csv_bytes(HEADER, f"Siti Aminah,{NIK_A},2026-11-23,08:00-09:00")
    announced(lambda: desk.import_appointments(data, "spv"))
    appt = desk.appointments_today()[0]
    ticket = announced(lambda: desk.check_in(appt.appointment_id, "spv"))
    announced(lambda: desk.call_ticket(ticket.ticket_id, "spv"))

    heard.clear()
    desk.snapshot()
    desk.waiting()
    with pytest.raises(StateError):
        desk.call_ticket(ticket.ticket_id, "spv")  # already called: refused, nothing changed
    with pytest.raises(ValidationError):
        desk.issue_ticket("spv", "R2D2")
    assert heard == []
    assert desk.call_next("spv") is not None  # A-001, back at the end of the line
    assert desk.call_next("spv") is None  # nobody waits: nothing changed, nothing announced
    assert [Change.TICKETS in c for c in heard] == [True]
