"""Form-level validation: every field, eligibility, and agreement with the NIK."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.demographics import (
    Demographics,
    JenisKelamin,
    StatusPerkawinan,
    normalised,
    region_notices,
    validate,
    validate_field,
)
from station.nik import make_nik
from tests.factories import TODAY, resident


def codes(d: Demographics) -> list[str]:
    return [e.code for e in validate(d, TODAY)]


def test_a_complete_resident_is_valid():
    assert codes(resident()) == []


def test_normalised_upper_cases_and_pads_rt():
    d = normalised(resident())
    assert d.nama == "CONTOH WARGA SATU" and d.rt == "003" and d.kecamatan == "COBLONG"


def test_sex_that_disagrees_with_the_nik_is_refused():
    assert codes(resident(jenis_kelamin=JenisKelamin.LAKI_LAKI)) == ["nik.sex_mismatch"]


def test_birth_date_that_disagrees_with_the_nik_is_refused():
    assert codes(resident(tanggal_lahir=date(1990, 3, 8))) == ["nik.birth_date_mismatch"]


def test_a_province_other_than_the_nik_s_is_named_not_refused():
    d = resident(provinsi="BALI")
    assert codes(d) == []  # the resident may have moved: the NIK keeps its first region
    assert [e.code for e in region_notices(d)] == ["nik.province_mismatch"]


def test_under_17_and_never_married_is_not_eligible():
    birth = date(2010, 1, 5)
    d = resident(
        nik=make_nik("32", "04", "91", birth, "P", 5),
        tanggal_lahir=birth,
        status_perkawinan=StatusPerkawinan.BELUM_KAWIN,
    )
    errs = validate(d, TODAY)
    assert [e.code for e in errs] == ["eligibility.age"]
    assert "16" in errs[0].message.id


def test_under_17_but_married_is_eligible():
    birth = date(2010, 1, 5)
    d = resident(nik=make_nik("32", "04", "91", birth, "P", 5), tanggal_lahir=birth)
    assert codes(d) == []


def test_seventeenth_birthday_is_eligible_the_day_before_is_not():
    birth = date(2009, 11, 22)
    d = resident(
        nik=make_nik("32", "04", "91", birth, "P", 5),
        tanggal_lahir=birth,
        status_perkawinan=StatusPerkawinan.BELUM_KAWIN,
    )
    assert codes(d) == []
    assert [e.code for e in validate(d, date(2026, 11, 21))] == ["eligibility.age"]


def test_birth_date_in_the_future_is_refused():
    birth = date(2027, 1, 1)
    d = resident(nik=make_nik("32", "04", "91", birth, "P", 5), tanggal_lahir=birth)
    assert "tanggal_lahir.future" in codes(d)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("nama", "", "required"),
        ("nama", "Budi 2", "nama.characters"),
        ("rt", "12a", "rt.format"),
        ("rw", "1234", "rw.format"),
        ("provinsi", "ATLANTIS", "provinsi.unknown"),
        ("kecamatan", "Coblong<script>", "kecamatan.characters"),
    ],
)
def test_inline_field_checks(field, value, code):
    err = validate_field(field, value)
    assert err is not None and err.code == code and err.field == field


def test_all_problems_are_reported_at_once():
    errs = validate(resident(nama="", rt="x", pekerjaan=""), TODAY)
    assert {e.field for e in errs} == {"nama", "rt", "pekerjaan"}


def test_json_round_trip():
    d = resident()
    assert Demographics.from_json(d.to_json()) == d


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**31))
def test_every_synthetic_resident_is_valid_and_nik_consistent(seed):
    from station.synthetic import synthetic_resident

    r = synthetic_resident(seed, TODAY)
    assert validate(normalised(r.demographics), TODAY) == []
    assert 90 <= int(r.demographics.nik[4:6]) <= 99  # never a real kecamatan


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(JenisKelamin)), st.dates(min_value=date(1930, 1, 1), max_value=date(2026, 11, 22)))
def test_changing_sex_or_birth_date_after_the_nik_is_always_caught(sex, birth):
    d = resident()
    changed = replace(d, jenis_kelamin=sex, tanggal_lahir=birth)
    errs = {e.code for e in validate(changed, TODAY)}
    assert ("nik.sex_mismatch" in errs) == (sex != d.jenis_kelamin)
    same_date = (birth.day, birth.month, birth.year % 100) == (7, 3, 90)
    assert ("nik.birth_date_mismatch" in errs) == (not same_date)
