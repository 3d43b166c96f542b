"""The daily recap counts what the records say: per operator and day, sealed, exceptions,
rejected, sent, still waiting and the oldest one's age."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from station.admin import Admin
from station.auth import Role, User
from station.cli.main import main
from station.daily_recap import daily_recap, day_window, format_age, recap_csv, recap_html
from station.enroll_synthetic import enroll_synthetic
from store.models import Enrollment
from store.outbox import Outbox
from store.states import AT_CENTRE, UNSYNCED, RecordState
from tests.conftest import SUPERVISOR_PASSWORD

PW = "kata-sandi-loket-7"


@pytest.fixture
def two_operators(core, supervisor):  # type: ignore[no-untyped-def]
    """spv seals 6 records and ani 4, today; two of spv's are sent, one rejected by the
    centre; ani's wait for approval, and the supervisor rejected the first."""
    Admin(core, core.auth.login("spv", SUPERVISOR_PASSWORD)).add_operator("ani", "Ani Lestari", Role.OPERATOR, PW, PW)
    ani = User("ani", "Ani Lestari", Role.OPERATOR)
    enroll_synthetic(core, 6, seed=11, operator=supervisor, approver=supervisor, batch=6)
    core.config.supervisor_approval = True  # ani's four wait for end-of-day approval
    enroll_synthetic(core, 4, seed=32, operator=ani, approver=supervisor, batch=4)  # seed 35: a bandaged finger
    core.config.supervisor_approval = False
    outbox = Outbox(core.db)
    first_of_ani = next(r for r in _rows(core) if r.operator.username == "ani")
    outbox.transition(first_of_ani.uuid, "WITHDRAWING", "test: rejected by the supervisor")
    spv_records = [r for r in _rows(core) if r.operator.username == "spv"]
    moves = (("RECEIVED",), ("RECEIVED", "PRINT_READY"), ("REJECTED",))
    for row, states in zip(spv_records[:3], moves, strict=True):
        for state in states:  # the ways a record really goes (store.states)
            outbox.transition(row.uuid, state, "test")
    return core


def _rows(core):  # type: ignore[no-untyped-def]
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    with core.db.read() as s:
        rows = s.scalars(
            select(Enrollment)
            .options(selectinload(Enrollment.items), selectinload(Enrollment.operator))
            .where(Enrollment.sealed_at.is_not(None))
            .order_by(Enrollment.station_seq)
        ).all()
        for r in rows:
            s.expunge(r)
        return rows


def _expected(core, username: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The same figures counted record by record in Python, not by the recap's SQL."""
    mine = [r for r in _rows(core) if r.operator.username == username]
    fingers = sum(1 for r in mine for i in r.items if i.kind.startswith("finger_") and i.exception_reason)
    waiting = [r for r in mine if r.state in UNSYNCED or r.state == RecordState.PENDING_APPROVAL]
    return {
        "sealed": len(mine),
        "sent": sum(r.state in AT_CENTRE for r in mine),
        "rejected": sum(r.state == RecordState.REJECTED for r in mine),
        "withdrawn": sum(r.state in (RecordState.WITHDRAWING, RecordState.WITHDRAWN) for r in mine),
        "awaiting": sum(r.state == RecordState.PENDING_APPROVAL for r in mine),
        "waiting": len(waiting),
        "fingers": fingers,
        "oldest": min((r.sealed_at for r in waiting), default=None),
    }


def test_the_recap_matches_the_records(two_operators) -> None:  # type: ignore[no-untyped-def]
    core = two_operators
    now = datetime.now(UTC) + timedelta(hours=1)
    recap = daily_recap(core, now=now)
    by_name = {r.operator: r for r in recap.rows}
    assert set(by_name) == {"spv", "ani"}
    for username, row in by_name.items():
        want = _expected(core, username)
        assert (row.sealed, row.sent, row.rejected, row.waiting) == (
            want["sealed"],
            want["sent"],
            want["rejected"],
            want["waiting"],
        )
        assert (row.withdrawn, row.awaiting_approval) == (want["withdrawn"], want["awaiting"])
        assert row.exceptions.get("finger", 0) == want["fingers"]
        assert row.oldest_waiting_s == pytest.approx((now - want["oldest"]).total_seconds())  # type: ignore[operator]
    assert by_name["spv"].sent == 2 and by_name["spv"].rejected == 1
    assert (by_name["ani"].withdrawn, by_name["ani"].awaiting_approval, by_name["ani"].waiting) == (1, 3, 3)
    assert by_name["ani"].exceptions == {"finger": 1} and by_name["spv"].exceptions == {}
    assert recap.total.sealed == 10 and recap.total.waiting == 6 and recap.total.withdrawn == 1
    assert recap.total.oldest_waiting_s == max(r.oldest_waiting_s or 0 for r in recap.rows)


def test_another_day_is_empty_and_the_day_is_local(two_operators) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    yesterday = daily_recap(two_operators, now.astimezone().date() - timedelta(days=1))
    assert yesterday.rows == () and yesterday.total.sealed == 0 and yesterday.total.oldest_waiting_s is None
    start, end = day_window(now.astimezone().date())
    assert start <= now < end and end - start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))


def test_csv_and_html_carry_every_operator_and_quote_formula_names(two_operators) -> None:  # type: ignore[no-untyped-def]
    core = two_operators
    with core.db.write() as s:
        from sqlalchemy import update

        from store.models import Operator

        s.execute(update(Operator).where(Operator.username == "ani").values(full_name="=HYPERLINK(1)<b>"))
    recap = daily_recap(core)
    rows = list(csv.reader(io.StringIO(recap_csv(recap, "en"))))
    assert rows[0][:4] == ["day", "operator", "full_name", "sealed"]
    body = {r[1]: r for r in rows[2:]}
    assert set(body) == {"spv", "ani", "TOTAL"}
    assert body["ani"][2] == "'=HYPERLINK(1)<b>"  # a spreadsheet shows it, never runs it
    assert body["TOTAL"][3] == "10"
    page = recap_html(recap, "id")
    assert "=HYPERLINK(1)&lt;b&gt;" in page and "<b>DEMO" not in page and "JUMLAH" in page


def test_station_report_daily_cli(two_operators, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["report", "daily", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {o["operator"]: o["sealed"] for o in data["operators"]} == {"ani": 4, "spv": 6}
    assert data["total"]["rejected"] == 1 and data["total"]["exceptions"]["finger"] >= 1
    assert main(["report", "daily"]) == 0
    table = capsys.readouterr().out
    assert "Rekap harian" in table and "JUMLAH" in table and "ani" in table
    out = tmp_path / "rekap.csv"
    assert main(["report", "daily", "--csv", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("\n") == 5 and (out.stat().st_mode & 0o777) == 0o600
    assert main(["report", "daily", "--date", "2-12-2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_ages_read_as_a_supervisor_reads_them() -> None:
    assert format_age(None) == "-"
    assert format_age(59) == "0 mnt"
    assert format_age(3 * 3600 + 5 * 60, "en") == "3 h 5 min"
    assert format_age(2 * 86400 + 3600, "id") == "2 hari 1 jam"
