"""NIK structure and cross-checks, with property tests over generated NIKs."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import ValidationError
from station.nik import FEMALE, MALE, check_nik_against, make_nik, mask_nik, parse_nik
from station.regions import PROVINCES

provinces = st.sampled_from(sorted(PROVINCES))
two_digits = st.integers(1, 99).map(lambda n: f"{n:02d}")
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31))
sexes = st.sampled_from([MALE, FEMALE])
serials = st.integers(1, 9999)


@given(provinces, two_digits, two_digits, births, sexes, serials)
def test_every_well_formed_nik_parses_back(province, regency, district, birth, sex, serial):
    nik = make_nik(province, regency, district, birth, sex, serial)
    parts = parse_nik(nik)
    assert (parts.province, parts.regency, parts.district) == (province, regency, district)
    assert (parts.day, parts.month, parts.year2) == (birth.day, birth.month, birth.year % 100)
    assert parts.sex == sex and parts.serial == serial
    assert check_nik_against(nik, birth, sex) == []


@given(provinces, two_digits, two_digits, births, sexes, serials)
def test_the_other_sex_is_refused_with_the_sex_message(province, regency, district, birth, sex, serial):
    nik = make_nik(province, regency, district, birth, sex, serial)
    other = FEMALE if sex == MALE else MALE
    errors = check_nik_against(nik, birth, other)
    assert [e.code for e in errors] == ["nik.sex_mismatch"]
    assert "40" in errors[0].message.id and "40" in errors[0].message.en


@settings(max_examples=200)
@given(provinces, two_digits, two_digits, births, sexes, serials, st.integers(1, 400))
def test_a_different_birth_date_is_refused(province, regency, district, birth, sex, serial, shift):
    from datetime import timedelta

    nik = make_nik(province, regency, district, birth, sex, serial)
    other = birth - timedelta(days=shift)
    errors = check_nik_against(nik, other, sex)
    if (other.day, other.month, other.year % 100) == (birth.day, birth.month, birth.year % 100):
        assert errors == []
    else:
        assert [e.code for e in errors] == ["nik.birth_date_mismatch"]


@given(st.text(max_size=20))
def test_arbitrary_text_never_crashes_and_errors_are_specific(text):
    try:
        parse_nik(text)
    except ValidationError as exc:
        assert exc.code.startswith("nik.") and exc.field == "nik"
        assert exc.message.id and exc.message.en and exc.message.id != exc.message.en


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("", "nik.empty"),
        ("32041201019000a1", "nik.digits"),
        ("３２０４１２０１０１９０００１１", "nik.digits"),  # full-width digits pass isdigit(), not isascii()
        ("320412010190001", "nik.length"),
        ("10041201019000 1", "nik.digits"),
        ("1004120101900011", "nik.province"),
        ("3200120101900011", "nik.regency"),
        ("3204000101900011", "nik.district"),
        ("3204123201900011", "nik.birth_date"),  # day 32
        ("3204127201900011", "nik.birth_date"),  # women's day 72 -> 32
        ("3204120113900011", "nik.birth_date"),  # month 13
        ("3204123102900011", "nik.birth_date"),  # 31 February
        ("3204120101900000", "nik.serial"),
    ],
)
def test_each_violation_has_its_own_message(nik, code):
    with pytest.raises(ValidationError) as info:
        parse_nik(nik)
    assert info.value.code == code


def test_length_message_says_how_many_digits_were_typed():
    with pytest.raises(ValidationError) as info:
        parse_nik("32041201019000")
    assert "14" in info.value.message.id and "14" in info.value.message.en


def test_women_have_forty_added_to_the_day():
    nik = make_nik("32", "04", "12", date(1990, 3, 7), FEMALE, 12)
    assert nik[6:8] == "47"
    assert parse_nik(nik).sex == FEMALE


def test_mask_keeps_region_and_last_two_digits_only():
    assert mask_nik("3204124703900012") == "320412********12"
