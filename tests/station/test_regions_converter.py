"""scripts/update_wilayah.py: the region table is made from wilayah.sql, which is input."""

from __future__ import annotations

import gzip
import importlib.util
import json
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from station import wilayah

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT.parent / "shared" / "data" / "wilayah" / "wilayah.sql"
COMMIT = "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7"

HEADER = """/*
note     : Data Kode Wilayah sesuai Kepmendagri No 300.2.2-2138 Tahun 2025
create   : 2025-05-25 14:41:15
last edit: 2026-02-13 16:45:21
*/
-- Provinsi JAWA BARAT
INSERT INTO wilayah (kode, nama)
VALUES
"""
ROWS = [
    "('32','Jawa Barat'),",
    "('32.73','Kota Bandung'),",
    "('32.73.02','Coblong'),",
    "('32.73.02.1001','Dago'),",
    "('32.73.02.1002','Sekeloa  '),",
    "('35','Jawa Timur'),",
    "('35.77','Kota Madiun'),",
    "('35.77.01','Kartoharjo'),",
    "('35.77.01.1001','Pasi Kuala Ba''u');",
]


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_wilayah", ROOT / "scripts" / "update_wilayah.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def small(script: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(script, "MIN_COUNTS", {"provinces": 1, "regencies": 1, "districts": 1, "villages": 1})
    return script


def _source(tmp_path: Path, rows: list[str]) -> Path:
    sql = tmp_path / "src" / "wilayah.sql"
    sql.parent.mkdir(exist_ok=True)
    sql.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    (sql.parent / "LICENSE").write_text("MIT License\n\nCopyright (c) 2017-2025 Cahya DSN\n", encoding="utf-8")
    return sql


def test_the_table_it_writes_loads_with_source_and_licence(small: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "data" / "wilayah.json.gz"
    sql = _source(tmp_path, ROWS)
    assert small.main(["--sql", str(sql), "--commit", COMMIT, "--out", str(out), "--date", "2026-12-02"]) == 0
    table = wilayah.load(out)
    region = table.region("357701")
    assert (region.province, region.regency, region.district) == ("Jawa Timur", "Kota Madiun", "Kartoharjo")
    assert table.villages("327302") == ["Dago", "Sekeloa"] and table.villages("357701") == ["Pasi Kuala Ba'u"]
    assert table.meta["source_commit"] == COMMIT and table.meta["generated"] == "2026-12-02"
    assert "300.2.2-2138" in table.meta["decree"] and table.meta["source_last_edit"] == "2026-02-13 16:45:21"
    assert "MIT License" in (out.parent / "wilayah.LICENSE").read_text(encoding="utf-8")
    assert COMMIT in (out.parent / "README.md").read_text(encoding="utf-8")
    first = out.read_bytes()
    assert small.main(["--sql", str(sql), "--commit", COMMIT, "--out", str(out), "--date", "2026-12-02"]) == 0
    assert out.read_bytes() == first  # deterministic: an update shows as a real diff only


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        ([*ROWS[:3], "('32.73.03','Cidadap'),('32.73.04','Bandung Wetan'),"], "line 12: not a"),
        ([*ROWS[:3], "('32.73.02','Coblong Lagi'),"], "32.73.02 appears twice"),
        ([*ROWS[:3], "('32.74.01','Yatim'),"], "1 districts without their regency, first 327401"),
        ([*ROWS[:3], "('32.73.05','   '),"], "empty name"),
        ([*ROWS[:3], "('32.73.05','Nul\x00'),"], "line 12: control"),
        ([*ROWS[:3], "('32.73.05','Bel\x07l'),"], "control"),
        ([*ROWS[:3], "('32.73.05','" + "A" * 101 + "'),"], "longer than 100"),
        ([*ROWS[:3], "('32.73.05','Back\\'slash'),"], "not a"),
    ],
)
def test_a_damaged_source_is_refused_with_its_line(
    small: ModuleType, tmp_path: Path, rows: list[str], match: str
) -> None:
    with pytest.raises(small.WilayahSqlError, match=match):
        small.build(_source(tmp_path, rows), COMMIT, date(2026, 12, 2))


def test_a_truncated_source_is_refused(script: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(script.WilayahSqlError, match="truncated"):
        script.build(_source(tmp_path, ROWS), COMMIT, date(2026, 12, 2))


def test_a_source_that_is_not_utf8_is_refused(small: ModuleType, tmp_path: Path) -> None:
    sql = _source(tmp_path, ROWS)
    sql.write_bytes(sql.read_bytes().replace(b"Dago", b"D\xe9go"))
    with pytest.raises(small.WilayahSqlError, match="not UTF-8"):
        small.build(sql, COMMIT, date(2026, 12, 2))


def test_a_bad_commit_or_a_missing_licence_stops_it(small: ModuleType, tmp_path: Path) -> None:
    sql = _source(tmp_path, ROWS)
    with pytest.raises(SystemExit):
        small.main(["--sql", str(sql), "--commit", "main", "--out", str(tmp_path / "o.json.gz")])
    (sql.parent / "LICENSE").unlink()
    with pytest.raises(SystemExit):
        small.main(["--sql", str(sql), "--commit", COMMIT, "--out", str(tmp_path / "o.json.gz")])
    assert not (tmp_path / "o.json.gz").exists()


def test_the_shipped_table_is_what_the_snapshot_gives(script: ModuleType) -> None:
    """Regenerating from the snapshot in ../shared gives the shipped bytes (same date)."""
    if not SNAPSHOT.is_file():
        pytest.skip("the wilayah.sql snapshot is not beside this checkout")
    shipped = wilayah.DEFAULT_PATH.read_bytes()
    generated = json.loads(gzip.decompress(shipped))["meta"]["generated"]
    data, _meta = script.build(SNAPSHOT, COMMIT, date.fromisoformat(generated))
    assert data == shipped
