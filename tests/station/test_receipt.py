"""The receipt's data: masked NIK, local time, operator's full name, demo flag; never the full NIK."""

from __future__ import annotations

import dataclasses

import pytest

from common.errors import StateError, ValidationError
from station.auth import Role, User
from station.enroll_synthetic import enroll_synthetic
from station.receipt import RECEIPT_TEXT, biometrics_line, format_sealed_at, receipt_data
from tests.conftest import SUPERVISOR_PASSWORD


@pytest.fixture
def sealed(core, supervisor):  # type: ignore[no-untyped-def]
    core.auth.add_operator(
        "ani", "Ani Operator Uji", Role.OPERATOR, "rahasia-ani-1", by=core.auth.login("spv", SUPERVISOR_PASSWORD)
    )
    operator = User("ani", "Ani Operator Uji", Role.OPERATOR)
    report = enroll_synthetic(core, 3, seed=7, operator=operator, approver=supervisor, batch=3)
    return core, report


def test_receipt_data_masks_the_nik_and_names_the_operator(sealed):  # type: ignore[no-untyped-def]
    core, report = sealed
    summary = core.enrollments.find_by_reg(report.first_reg)[0]
    nik = core.enrollments.load(summary.uuid).nik
    data = receipt_data(core, reg_no=report.first_reg)

    assert data.reg_no == report.first_reg
    assert data.nik_masked == nik[:6] + "********" + nik[-2:]
    assert data.operator_name == "Ani Operator Uji"
    assert (data.station_code, data.station_name) == ("320412-01", "Loket uji")
    assert data.demo is False
    assert data.sealed_at.utcoffset() is not None  # aware, in local time
    assert data.sealed_at == summary.sealed_at
    for value in dataclasses.astuple(data):
        assert nik not in str(value)
    # Found by UUID it is the same receipt.
    assert receipt_data(core, record_uuid=summary.uuid) == data


def test_receipt_data_of_a_demo_station_says_so(sealed):  # type: ignore[no-untyped-def]
    core, report = sealed
    core.config.demo = True
    assert receipt_data(core, reg_no=report.last_reg).demo is True


def test_receipt_data_refuses_unknown_records_and_drafts(sealed):  # type: ignore[no-untyped-def]
    core, report = sealed
    with pytest.raises(ValidationError):
        receipt_data(core, reg_no="320412-01-9999999")
    with pytest.raises(ValueError):
        receipt_data(core)
    original = core.enrollments.load(core.enrollments.find_by_reg(report.first_reg)[0].uuid)
    draft = dataclasses.replace(original, uuid="00000000-0000-4000-8000-00000000d4af", corrects_uuid=None)
    core.enrollments.save_draft(draft)
    with pytest.raises(StateError) as refused:
        receipt_data(core, record_uuid=draft.uuid)
    assert refused.value.code == "state.not_sealed"


def test_receipt_wording_is_bilingual_and_dates_are_spelled_out(sealed):  # type: ignore[no-untyped-def]
    core, report = sealed
    data = receipt_data(core, reg_no=report.first_reg)
    assert RECEIPT_TEXT["title"].id == "TANDA BUKTI PEREKAMAN KTP-el"
    assert "until the card is printed" in RECEIPT_TEXT["note"].en
    assert "registration number" in RECEIPT_TEXT["note"].en
    t = data.sealed_at
    assert format_sealed_at(t, "en").endswith(f"{t.year}, {t:%H:%M}")
    months_id = format_sealed_at(t.replace(month=5), "id")
    assert " Mei " in months_id


def test_the_receipt_lists_the_biometrics_recorded_with_the_irises(sealed):  # type: ignore[no-untyped-def]
    core, report = sealed
    data = receipt_data(core, reg_no=report.first_reg)
    kinds = {kind for kind, _captured in data.items}
    assert {"iris_left", "iris_right", "face", "signature"} <= kinds and len(data.items) == 14
    assert biometrics_line(data, "id").endswith("2 iris") and biometrics_line(data, "en").endswith("2 irises")
    one_eye = dataclasses.replace(data, items=tuple((k, c and k != "iris_right") for k, c in data.items))
    assert biometrics_line(one_eye, "en").endswith("1 iris (1 excepted)")
    assert "1 dikecualikan" in biometrics_line(one_eye, "id")
