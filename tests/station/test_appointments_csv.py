"""Reading an appointment list's CSV: no store, no clock (the import itself is in test_tickets)."""

from __future__ import annotations

from datetime import date

import pytest

from common.errors import ValidationError
from station.appointments_csv import parse_appointments_csv, parse_date, parse_slot
from station.nik import make_nik

NIK_A = make_nik("32", "04", "91", date(1990, 3, 7), "P", 17)


def test_parsers():
    assert parse_date("2026-11-23") == date(2026, 11, 23)
    assert parse_date("23-11-2026") == date(2026, 11, 23)
    assert parse_date("31-04-2026") is None and parse_date("2026/11/23") is None
    assert parse_slot("8:00-9:30") == "08:00-09:30"
    assert parse_slot("09:00-09:00") is None and parse_slot("25:00-26:00") is None


def test_parse_names_every_bad_row_by_line_and_keeps_the_good_ones():
    data = (
        f"nama;NIK;tanggal;jam\nSiti Aminah;{NIK_A};23-11-2026;08:00-09:00\n\nR2D2;3.2e+15;2026-11-22;soon\n"
    ).encode()
    parsed = parse_appointments_csv(data, today=date(2026, 11, 23))
    assert parsed.rows == 2
    assert [(a.line, a.day, a.slot, a.name) for a in parsed.good] == [(2, "2026-11-23", "08:00-09:00", "Siti Aminah")]
    assert sorted(p.code for p in parsed.problems if p.line == 4) == [
        "date.past",
        "name.invalid",
        "nik.spreadsheet",
        "slot.invalid",
    ]


def test_a_file_without_the_four_headings_is_refused_whole():
    with pytest.raises(ValidationError) as err:
        parse_appointments_csv(b"name,NIK\nSiti,1\n", today=date(2026, 11, 23))
    assert err.value.code == "appointments.file"


def test_a_file_is_bounded_before_it_is_read_and_an_unreadable_one_is_named(tmp_path, monkeypatch):
    from common.errors import UserFacingError
    from station import appointments_csv

    with pytest.raises(UserFacingError) as unreadable:
        appointments_csv.read_csv_file(tmp_path)  # a directory: read_bytes fails
    assert unreadable.value.code == "appointments.read" and tmp_path.name in unreadable.value.message.en
    path = tmp_path / "janji.csv"
    path.write_bytes(b"name,NIK,date,time slot\n" + b"x" * 100)
    assert appointments_csv.read_csv_file(path).startswith(b"name,NIK")
    monkeypatch.setattr(appointments_csv, "MAX_CSV_BYTES", 64)
    with pytest.raises(ValidationError) as too_large:
        appointments_csv.read_csv_file(path)
    assert too_large.value.code == "appointments.file"
