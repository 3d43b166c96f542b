"""Region names from the NIK: the shipped Kemendagri table, unknown codes, contradictions."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from station import wilayah
from station.demographics import region_notices, validate
from station.nik import check_region_against, make_nik
from station.regions import PROVINCES
from station.synthetic import synthetic_resident
from station.wilayah import WilayahDataError, card_name, same_district, same_regency
from tests.factories import TODAY, resident

BIRTH = date(1990, 3, 7)


def nik_in(province: str, regency: str, district: str) -> str:
    return make_nik(province, regency, district, BIRTH, "P", 17)


def codes(**changes: object) -> list[str]:
    """What the form refuses and what it only names (region differences), in that order."""
    d = resident(**changes)
    return [e.code for e in (*validate(d, TODAY), *region_notices(d))]


@pytest.fixture(scope="module")
def table() -> wilayah.Wilayah:
    t = wilayah.default_table()
    assert t is not None
    return t


def test_real_codes_resolve_to_their_names(table: wilayah.Wilayah) -> None:
    region = table.region(nik_in("32", "73", "02"))
    assert (region.province, region.regency, region.district) == ("Jawa Barat", "Kota Bandung", "Coblong")
    assert region.known and region.dotted == "32.73.02"
    assert table.region(nik_in("35", "78", "01")).regency == "Kota Surabaya"
    assert "Dago" in table.villages("327302") and table.villages("327302") == sorted(table.villages("327302"))
    assert "Coblong" in table.districts_of("3273") and "Bakongan" not in table.districts_of("3273")


def test_the_table_records_its_source_and_licence(table: wilayah.Wilayah) -> None:
    meta = table.meta
    assert "300.2.2-2138" in meta["decree"] and meta["source_commit"] == "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7"
    assert "MIT" in meta["licence"] and meta["counts"]["districts"] == 7285
    licence = wilayah.DEFAULT_PATH.with_name("wilayah.LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Cahya DSN" in licence
    assert wilayah.DEFAULT_PATH.stat().st_size < 1024 * 1024


def test_the_province_list_and_the_table_have_the_same_codes(table: wilayah.Wilayah) -> None:
    assert {code for code in PROVINCES if table.region(code + "0101").province} == set(PROVINCES)
    assert table.meta["counts"]["provinces"] == len(PROVINCES)


def test_synthetic_kecamatan_codes_are_unknown_and_do_not_block(table: wilayah.Wilayah) -> None:
    for seed in range(300):
        d = synthetic_resident(seed, TODAY).demographics
        region = table.region(d.nik)
        assert 90 <= int(d.nik[4:6]) <= 99 and region.district is None and not region.known
        assert region.regency is not None and same_regency(d.kabupaten_kota, region.regency)
        assert validate(d, TODAY) == [], seed
    # No real kecamatan has a code from 90 to 99, anywhere: a synthetic NIK is never a real one.
    assert not [c for c in table._districts if int(c[4:6]) >= 90]


def test_a_contradicting_kecamatan_is_named_and_not_refused() -> None:
    d = resident(nik=nik_in("32", "73", "01"), kabupaten_kota="Kota Bandung")
    assert validate(d, TODAY) == []  # a resident who moved keeps the NIK of the old kecamatan
    errors = region_notices(d)
    assert [(e.field, e.code) for e in errors] == [("kecamatan", "nik.district_mismatch")]
    assert errors[0].message.id == "Kecamatan Coblong tidak sesuai dengan NIK (kode 32.73.01 = SUKASARI)."
    assert errors[0].message.en == "Kecamatan Coblong does not match the NIK (code 32.73.01 = SUKASARI)."
    assert errors[0].remedy is not None and "moved" in errors[0].remedy.en


def test_a_contradicting_regency_is_named() -> None:
    errors = region_notices(resident(nik=nik_in("32", "73", "02"), kabupaten_kota="Kabupaten Bandung"))
    assert [(e.field, e.code) for e in errors] == [("kabupaten_kota", "nik.regency_mismatch")]
    assert "32.73 = KOTA BANDUNG" in errors[0].message.id


@pytest.mark.parametrize("typed", ["Bandung", "KOTA BANDUNG", "kota  bandung", "Kota Adm. Bandung"])
def test_a_regency_without_or_with_its_own_kind_agrees(typed: str) -> None:
    assert codes(nik=nik_in("32", "73", "02"), kabupaten_kota=typed) == []


@pytest.mark.parametrize("typed", ["COBLONG", "Kecamatan Coblong", "KEC. COBLONG"])
def test_a_kecamatan_as_typed_on_forms_agrees(typed: str) -> None:
    assert codes(nik=nik_in("32", "73", "02"), kecamatan=typed, kabupaten_kota="Bandung") == []


def test_all_three_contradictions_are_named_at_once() -> None:
    found = codes(nik=nik_in("32", "73", "01"), provinsi="BALI", kabupaten_kota="Bogor", kecamatan="Coblong")
    assert found == ["nik.province_mismatch", "nik.regency_mismatch", "nik.district_mismatch"]


def test_a_value_refused_for_its_characters_is_not_also_called_a_contradiction() -> None:
    assert codes(nik=nik_in("32", "73", "01"), kecamatan="Coblong!") == ["kecamatan.characters"]


def test_names_compare_as_the_card_prints_them() -> None:
    assert card_name(" Bu  Nuapu\u2019u ") == "BU NUAPU'U"
    assert same_district("PASI KUALA BAU", "Pasi Kuala Ba'u")
    assert same_regency("JAKARTA UTARA", "Kota Administrasi Jakarta Utara")
    assert not same_regency("KABUPATEN BANDUNG", "Kota Bandung")
    assert not same_district("COBLONG", "Sukasari")


def test_without_a_table_only_the_province_is_checked() -> None:
    nik = nik_in("32", "73", "01")
    assert check_region_against(nik, "JAWA BARAT", "Bogor", "Coblong", None) == []
    assert [e.code for e in check_region_against(nik, "BALI", "Bogor", "Coblong", None)] == ["nik.province_mismatch"]


# --- the file is input --------------------------------------------------------------


def _write(path: Path, doc: object) -> Path:
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    return path


def _doc() -> dict[str, object]:
    return {
        "format": 1,
        "meta": {"decree": "test"},
        "provinces": {"32": "Jawa Barat"},
        "regencies": {"3273": "Kota Bandung"},
        "districts": {"327302": "Coblong"},
        "villages": {"327302": {"1001": "Dago", "1002": 7}},
    }


def test_a_small_table_loads_and_a_bad_village_entry_is_left_out(tmp_path: Path) -> None:
    table = wilayah.load(_write(tmp_path / "w.json.gz", _doc()))
    assert table.region("327302").district == "Coblong" and table.villages("327302") == ["Dago"]


def test_a_table_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.json.gz", _doc())
    with pytest.raises(WilayahDataError, match="more than the limit"):
        wilayah.load(path, max_bytes=path.stat().st_size - 1)


def test_a_table_that_unpacks_too_far_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "w.json.gz", {**_doc(), "pad": "x" * 5000})
    monkeypatch.setattr(wilayah, "MAX_JSON_BYTES", 4096)
    with pytest.raises(WilayahDataError, match="unpacks to more"):
        wilayah.load(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not gzip at all", "cannot be read"),
        (gzip.compress(b"{not json"), "not JSON"),
        (gzip.compress(b"[1, 2]"), "not format 1"),
        (gzip.compress(json.dumps({**_doc(), "format": 2}).encode()), "not format 1"),
        (gzip.compress(json.dumps({**_doc(), "districts": {"3273": "Coblong"}}).encode()), "bad entry in 'districts'"),
        (gzip.compress(json.dumps({**_doc(), "regencies": {"3273": ["x"]}}).encode()), "bad entry in 'regencies'"),
        (gzip.compress(json.dumps({**_doc(), "provinces": {}}).encode()), "'provinces' is missing"),
        (gzip.compress(json.dumps({**_doc(), "meta": None}).encode()), "no meta"),
    ],
)
def test_a_damaged_table_is_refused_with_a_reason(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "w.json.gz"
    path.write_bytes(content)
    with pytest.raises(WilayahDataError, match=match):
        wilayah.load(path)


def test_a_missing_table_leaves_the_station_working(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    missing = tmp_path / "none.json.gz"
    assert wilayah.default_table(missing) is None
    assert wilayah.default_table(missing) is None
    assert sum("is missing" in r.getMessage() for r in caplog.records) == 1  # logged once
