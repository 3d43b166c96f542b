"""The record look-up shared by the command line and the app."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from common.errors import ValidationError
from station.enroll_synthetic import enroll_synthetic
from station.receipt import reprint_receipt
from station.records_view import (
    QueryKind,
    find_records,
    parse_query,
    record_view,
    resident_sentence,
    search,
    timeline_label,
)
from store.models import AuditEvent
from store.outbox import PRINT_READY, RECEIVED, Outbox


@pytest.fixture
def three(core, supervisor):  # type: ignore[no-untyped-def]
    report = enroll_synthetic(core, 3, seed=11, operator=supervisor, approver=supervisor, batch=3)
    first = core.enrollments.find_by_reg(report.first_reg)[0]
    return core, report, first, core.enrollments.load(first.uuid)


def test_the_shape_of_the_query_decides_what_it_is() -> None:
    assert parse_query(" 320412-01-0000005 ").kind is QueryKind.REG_NO
    assert parse_query("siti n").kind is QueryKind.NAME
    nik = parse_query("3204 9147 0390 0017")
    assert nik.kind is QueryKind.NIK and nik.value == "3204914703900017"


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "lookup.empty"), ("   ", "lookup.empty"), ("12345", "nik.length"), ("1004120101900011", "nik.province"),
     ("320412-01", "lookup.malformed"), ("a", "validation")],
)  # fmt: skip
def test_malformed_queries_are_refused_with_their_reason(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_query(text)
    assert refused.value.code == code


def test_nik_reg_and_name_find_the_record_with_its_nik_masked(three):  # type: ignore[no-untyped-def]
    core, report, first, data = three
    masked = data.nik[:6] + "********" + data.nik[-2:]
    for text in (data.nik, report.first_reg, data.name[:4].lower()):
        rows = search(core, text, actor="ani")
        assert first.uuid in [r.summary.uuid for r in rows], text
        row = next(r for r in rows if r.summary.uuid == first.uuid)
        assert row.nik_masked == masked
    assert find_records(core, parse_query("320412-01-9999999"), actor="ani") == []


def test_a_waiting_record_has_a_queue_position_and_says_so(three):  # type: ignore[no-untyped-def]
    core, report, first, _ = three
    view = record_view(core, actor="ani", reg_no=report.last_reg)
    assert view is not None
    assert [e.state for e in view.timeline] == ["DRAFT", "SEALED"]
    assert timeline_label(view.timeline[0]).en == "Capture started"
    assert view.queue_position == 3 and view.eta_s is None  # nothing measured yet
    sentence = resident_sentence(view)
    assert "position 3 in the queue" in sentence.en and "antrean ke-3" in sentence.id
    outbox = Outbox(core.db)
    for seq in range(1, 4):
        uuid = core.enrollments.find_by_reg(f"320412-01-{seq:07d}")[0].uuid
        outbox.set_fields(uuid, packet_size=100_000)
    outbox.set_info(throughput_bps=1000.0)  # 300 kB ahead at 1 kB/s: five minutes
    timed = record_view(core, actor="ani", reg_no=report.last_reg)
    assert timed is not None and timed.eta_s == 300
    assert "about 5 minutes" in resident_sentence(timed).en


def test_a_record_at_the_centre_says_when_it_arrived(three):  # type: ignore[no-untyped-def]
    core, report, first, _ = three
    outbox = Outbox(core.db)
    outbox.transition(first.uuid, RECEIVED, "receipt r-1 (server #1)")
    view = record_view(core, actor="ani", record_uuid=first.uuid)
    assert view is not None and view.queue_position is None
    assert resident_sentence(view).en.startswith("Your record reached the national centre on ")
    outbox.transition(first.uuid, PRINT_READY, "central processing result")
    ready = record_view(core, actor="ani", record_uuid=first.uuid)
    assert ready is not None and [e.state for e in ready.timeline][-2:] == [RECEIVED, PRINT_READY]
    assert "ready to print" in resident_sentence(ready).en


def audit_rows(core, *actions: str) -> list[tuple[str | None, str, str | None, str]]:  # type: ignore[no-untyped-def]
    with core.db.read() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.target, AuditEvent.detail)
            .where(AuditEvent.action.in_(actions))
            .order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_look_ups_are_audited_with_the_nik_only_masked(three):  # type: ignore[no-untyped-def]
    core, report, first, data = three
    masked = data.nik[:6] + "********" + data.nik[-2:]
    assert masked != data.nik
    search(core, data.nik, actor="ani")
    search(core, report.first_reg, actor="ani")
    search(core, data.name[:4].lower(), actor="budi")
    record_view(core, actor="ani", record_uuid=first.uuid)
    rows = audit_rows(core, "record_lookup", "record_view")
    assert [(actor, action, target) for actor, action, target, _ in rows] == [
        ("ani", "record_lookup", masked),
        ("ani", "record_lookup", report.first_reg),
        ("budi", "record_lookup", data.name[:4].upper()),
        ("ani", "record_view", report.first_reg),
    ]
    assert '"kind":"nik"' in rows[0][3] and '"found":1' in rows[0][3]
    with core.db.read() as session:
        every = " ".join(f"{t} {d}" for t, d in session.execute(select(AuditEvent.target, AuditEvent.detail)))
    assert data.nik not in every


def test_a_receipt_reprint_is_audited(three):  # type: ignore[no-untyped-def]
    core, report, first, _ = three
    data = reprint_receipt(core, record_uuid=first.uuid, actor="ani", output="printer")
    assert data.reg_no == report.first_reg
    assert audit_rows(core, "receipt_reprint") == [("ani", "receipt_reprint", report.first_reg, '{"output":"printer"}')]
