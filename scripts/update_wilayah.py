"""Make the station's region table (station/data/wilayah.json.gz) from Kemendagri's codes.

    .venv/bin/python scripts/update_wilayah.py --sql ../shared/data/wilayah/wilayah.sql \\
        --commit b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7

The input is `db/wilayah.sql` of the public repository cahyadsn/wilayah (MIT), a compilation
of the Kepmendagri on region codes: one `('35.77.01','Name'),` tuple per line. To update,
fetch a newer wilayah.sql and its LICENSE, run this with the new commit, run
tests/station/test_regions*.py and commit the three files it writes: the table, its
LICENSE and its README (source, decree, commit and date are in the table's `meta` too).

The SQL is input, not code: it is never executed. Lines are matched one by one against
the exact tuple shape; any other line that starts a tuple is refused with its line
number, as are duplicate codes, orphans (a kecamatan whose regency is missing), names
that are empty, too long or hold control characters, a file larger than MAX_SQL_BYTES,
and a table with implausibly few regions (a truncated download). Output is
deterministic (sorted keys, gzip mtime 0): the same source and --date give the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import shutil
import sys
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "station" / "data" / "wilayah.json.gz"
SOURCE = "https://github.com/cahyadsn/wilayah, file db/wilayah.sql"
MAX_SQL_BYTES = 64 * 1024 * 1024
MAX_NAME = 100
FORMAT = 1
# Well below today's counts (38 / 514 / 7285 / 83762): fewer means a cut-off file.
MIN_COUNTS = {"provinces": 34, "regencies": 400, "districts": 5000, "villages": 50000}

_TUPLE = re.compile(r"^\('(?P<code>\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)','(?P<name>(?:[^'\\]|'')*)'\)[,;]$")
_HEADER = re.compile(r"^(note|create|last edit)\s*:\s*(.+)$")


class WilayahSqlError(ValueError):
    """The SQL file is not the table this script knows; the message names the line."""


def _clean_name(raw: str, lineno: int) -> str:
    name = " ".join(raw.replace("''", "'").split())
    if not name:
        raise WilayahSqlError(f"line {lineno}: empty name")
    if len(name) > MAX_NAME:
        raise WilayahSqlError(f"line {lineno}: name longer than {MAX_NAME} characters")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise WilayahSqlError(f"line {lineno}: control or unassigned character in a name")
    return name


def parse_sql(text: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(header fields, tables) from the SQL text; tables hold undotted codes."""
    header: dict[str, str] = {}
    tables: dict[str, dict[str, str]] = {"provinces": {}, "regencies": {}, "districts": {}, "villages": {}}
    kinds = {1: "provinces", 2: "regencies", 3: "districts", 4: "villages"}
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if (h := _HEADER.match(line)) and lineno < 40:
            header[h.group(1)] = h.group(2).strip()
            continue
        if not line.startswith("("):
            continue  # comments, INSERT ... VALUES, CREATE TABLE: no data
        m = _TUPLE.match(line)
        if m is None:
            raise WilayahSqlError(f"line {lineno}: not a ('code','name') tuple this script knows")
        dotted = m.group("code")
        if dotted in seen:
            raise WilayahSqlError(f"line {lineno}: code {dotted} appears twice")
        seen.add(dotted)
        parts = dotted.split(".")
        tables[kinds[len(parts)]]["".join(parts)] = _clean_name(m.group("name"), lineno)
    parents = {
        "regencies": ("provinces", "province", 2),
        "districts": ("regencies", "regency", 4),
        "villages": ("districts", "district", 6),
    }
    for kind, (parent, one, width) in parents.items():
        orphans = sorted(code for code in tables[kind] if code[:width] not in tables[parent])
        if orphans:
            raise WilayahSqlError(f"{len(orphans)} {kind} without their {one}, first {orphans[0]}")
    for kind, least in MIN_COUNTS.items():
        if len(tables[kind]) < least:
            raise WilayahSqlError(f"only {len(tables[kind])} {kind} (at least {least} expected): truncated file?")
    return header, tables


def build(sql: Path, commit: str, generated: date) -> tuple[bytes, dict[str, object]]:
    """The gzipped table and its metadata."""
    if sql.stat().st_size > MAX_SQL_BYTES:
        raise WilayahSqlError(f"{sql.name} is larger than {MAX_SQL_BYTES} bytes")
    raw = sql.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WilayahSqlError(f"{sql.name} is not UTF-8 (byte {exc.start})") from None
    header, tables = parse_sql(text)
    villages: dict[str, dict[str, str]] = {}
    for code, name in tables["villages"].items():
        villages.setdefault(code[:6], {})[code[6:]] = name
    meta: dict[str, object] = {
        "source": SOURCE,
        "source_commit": commit,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "decree": header.get("note", ""),
        "source_created": header.get("create", ""),
        "source_last_edit": header.get("last edit", ""),
        "licence": "MIT, copyright (c) 2017-2025 Cahya DSN; see wilayah.LICENSE beside this file",
        "generated": generated.isoformat(),
        "generator": "scripts/update_wilayah.py",
        "counts": {kind: len(rows) for kind, rows in tables.items()},
    }
    doc = {
        "format": FORMAT,
        "meta": meta,
        "provinces": tables["provinces"],
        "regencies": tables["regencies"],
        "districts": tables["districts"],
        "villages": villages,
    }
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return gzip.compress(body, compresslevel=9, mtime=0), meta


def readme(meta: dict[str, object], size: int) -> str:
    counts = meta["counts"]
    assert isinstance(counts, dict)
    return f"""# Region codes (kode wilayah)

`wilayah.json.gz` ({size} bytes): Indonesia's province, regency/city, kecamatan and
kelurahan/desa codes and names, used to name the region in a NIK's first six digits.

- Decree: {meta["decree"]}
- Source: {meta["source"]}, commit {meta["source_commit"]}
  (file header: created {meta["source_created"]}, last edit {meta["source_last_edit"]};
  sha256 {meta["source_sha256"]}).
- Licence: MIT, copyright (c) 2017-2025 Cahya DSN; the licence is `wilayah.LICENSE` beside this file
  and must stay with every copy.
- Generated {meta["generated"]} by `scripts/update_wilayah.py`: {counts["provinces"]} provinces,
  {counts["regencies"]} regencies/cities, {counts["districts"]} kecamatan, {counts["villages"]} kelurahan/desa.
- Changes from the source: codes without dots, whitespace in names collapsed, SQL quoting undone.

To update: run `scripts/update_wilayah.py --sql NEW/wilayah.sql --commit COMMIT` (its
docstring says more), then the region tests, and commit the table, this README and the licence.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sql", type=Path, required=True, help="cahyadsn/wilayah db/wilayah.sql")
    parser.add_argument("--commit", required=True, help="the source repository's commit (40 hex digits)")
    parser.add_argument("--license", type=Path, help="the source's LICENSE (default: beside --sql)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--date", type=date.fromisoformat, help="the generation date recorded (default: today, UTC)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[0-9a-f]{40}", args.commit):
        parser.error("--commit must be 40 lower-case hex digits")
    licence = args.license or args.sql.with_name("LICENSE")
    if not licence.is_file() or "MIT License" not in licence.read_text(encoding="utf-8", errors="replace")[:200]:
        parser.error(f"{licence}: the source's MIT licence is needed beside the table")
    try:
        data, meta = build(args.sql, args.commit, args.date or datetime.now(UTC).date())
    except (WilayahSqlError, OSError) as exc:
        print(f"update_wilayah: {exc}", file=sys.stderr)  # noqa: T201 - the script's own output
        return 1
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    shutil.copyfile(licence, out.parent / "wilayah.LICENSE")
    (out.parent / "README.md").write_text(readme(meta, len(data)), encoding="utf-8")
    print(json.dumps({"out": str(out), "bytes": len(data), **meta}, indent=2))  # noqa: T201 - the script's own output
    return 0


if __name__ == "__main__":
    sys.exit(main())
