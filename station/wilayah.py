"""Region names from a NIK: province, regency/city, kecamatan and its kelurahan/desa.

A NIK's first six digits are the kecamatan code of the Kemendagri region table
(`357701` is `35.77.01`). The table ships as `station/data/wilayah.json.gz`, made by
`scripts/update_wilayah.py` from the Kepmendagri snapshot; its source, decree, commit,
date and MIT licence travel with it (`meta`, `wilayah.LICENSE`, the data README).

Traps:
- Unknown is not wrong. A kecamatan made after the snapshot, and every synthetic
  resident (district codes 90-99, see station.synthetic), are not in the table: a
  lookup answers None and the enrollment goes on with what the operator types.
- The app starts often and most starts never look a NIK up: the table (1.9 MB of
  JSON, tens of ms) is read on first use, once, under a lock; never at import.
- The file is input. Its size is bounded before and after decompression and its shape
  checked; a refused or missing file raises WilayahDataError from `load`, and
  `default_table()` logs it once and answers None, so the station works without it.
- Names in the table are title case and three hold a typographic apostrophe (’); the
  card is upper case with a plain one: `card_name` converts.
- A typed regency may leave out its kind ("BANDUNG" for "KOTA BANDUNG"): that is not a
  contradiction, but a kind that differs is ("KABUPATEN BANDUNG" is another regency).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "wilayah.json.gz"
MAX_FILE_BYTES = 4 * 1024 * 1024  # today 0.55 MB
MAX_JSON_BYTES = 16 * 1024 * 1024  # today 1.9 MB
FORMAT = 1

_CODE_WIDTH = {"provinces": 2, "regencies": 4, "districts": 6}


class WilayahDataError(Exception):
    """The region table file is missing, too large or not the shape this code reads."""


@dataclass(frozen=True)
class Region:
    """What a NIK's first six digits name; None where the table does not know the code."""

    code: str  # six digits
    province: str | None
    regency: str | None
    district: str | None

    @property
    def dotted(self) -> str:
        return f"{self.code[:2]}.{self.code[2:4]}.{self.code[4:6]}"

    @property
    def known(self) -> bool:
        return self.district is not None


class Wilayah:
    """The loaded table; names as in the source (title case)."""

    def __init__(self, meta: dict[str, Any], tables: dict[str, dict[str, str]], villages: dict[str, Any]) -> None:
        self.meta = meta
        self._provinces = tables["provinces"]
        self._regencies = tables["regencies"]
        self._districts = tables["districts"]
        self._villages = villages

    def region(self, nik: str) -> Region:
        """The region of a NIK (or of its first six digits)."""
        code = nik.strip()[:6]
        return Region(code, self._provinces.get(code[:2]), self._regencies.get(code[:4]), self._districts.get(code[:6]))

    def villages(self, district_code: str) -> list[str]:
        """The kelurahan/desa of a kecamatan (six digits), sorted by name; [] if unknown."""
        rows = self._villages.get(district_code[:6])
        if not isinstance(rows, dict):
            return []
        # Checked here rather than at load: 84 000 names, of which one list is wanted.
        return sorted({name for name in rows.values() if isinstance(name, str) and 0 < len(name) <= 100})

    def districts_of(self, regency_code: str) -> list[str]:
        """The kecamatan of a regency/city (four digits), sorted by name."""
        prefix = regency_code[:4]
        return sorted(name for code, name in self._districts.items() if code.startswith(prefix))

    @property
    def source(self) -> str:
        """The decree the table follows, for screens and logs ("Kepmendagri No ... Tahun 2025")."""
        decree = str(self.meta.get("decree", ""))
        return decree[decree.find("Kepmendagri") :] if "Kepmendagri" in decree else decree or "?"


def _checked_codes(doc: dict[str, Any], kind: str) -> dict[str, str]:
    rows = doc.get(kind)
    width = _CODE_WIDTH[kind]
    if not isinstance(rows, dict) or not rows:
        raise WilayahDataError(f"region table: '{kind}' is missing or empty")
    for code, name in rows.items():
        if len(code) != width or not code.isdigit() or not isinstance(name, str) or not 0 < len(name) <= 100:
            raise WilayahDataError(f"region table: bad entry in '{kind}'")
    return rows


def load(path: Path = DEFAULT_PATH, *, max_bytes: int = MAX_FILE_BYTES) -> Wilayah:
    """Read and check a table written by scripts/update_wilayah.py."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise WilayahDataError(f"region table {path.name} is {size} bytes, more than the limit of {max_bytes}")
        with gzip.open(path, "rb") as f:
            body = f.read(MAX_JSON_BYTES + 1)
    except FileNotFoundError:
        raise WilayahDataError(f"region table {path} is missing") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise WilayahDataError(f"region table {path.name} cannot be read: {exc}") from None
    if len(body) > MAX_JSON_BYTES:
        raise WilayahDataError(f"region table {path.name} unpacks to more than {MAX_JSON_BYTES} bytes")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WilayahDataError(f"region table {path.name} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise WilayahDataError(f"region table {path.name} is not format {FORMAT}")
    meta = doc.get("meta")
    villages = doc.get("villages")
    if not isinstance(meta, dict) or not isinstance(villages, dict):
        raise WilayahDataError(f"region table {path.name} has no meta or villages")
    tables = {kind: _checked_codes(doc, kind) for kind in _CODE_WIDTH}
    return Wilayah(meta, tables, villages)


_lock = threading.Lock()
_cache: dict[Path, Wilayah | None] = {}


def default_table(path: Path = DEFAULT_PATH) -> Wilayah | None:
    """The shipped table, loaded on first use; None (logged once) if it is refused."""
    with _lock:
        if path not in _cache:
            try:
                _cache[path] = load(path)
                log.info("region table loaded: %s", _cache[path].source)  # type: ignore[union-attr]
            except WilayahDataError as exc:
                log.error("%s; regions from the NIK are not named or checked", exc)
                _cache[path] = None
        return _cache[path]


def card_name(name: str) -> str:
    """A table name as the card prints it: upper case, plain apostrophes, single spaces."""
    return " ".join(name.replace("\u2019", "'").upper().split())


def _squashed(name: str) -> str:
    """Letters and digits only: 'Ba'u', 'BA U' and 'BAU' are the same place to a reader."""
    return "".join(c for c in card_name(name) if c.isalnum())


_REGENCY_KIND = re.compile(r"^(?:(KABUPATEN|KAB\.?)|(KOTA))\s+(?:ADMINISTRASI\s+|ADM\.?\s+)?")
_DISTRICT_KIND = re.compile(r"^(?:KECAMATAN|KEC\.?)\s+")


def _regency_parts(name: str) -> tuple[str | None, str]:
    upper = card_name(name)
    m = _REGENCY_KIND.match(upper)
    if m is None:
        return None, _squashed(upper)
    return ("KABUPATEN" if m.group(1) else "KOTA"), _squashed(upper[m.end() :])


def same_regency(typed: str, official: str) -> bool:
    """Whether a typed kabupaten/kota names the table's one ("BANDUNG" names "Kota Bandung")."""
    typed_kind, typed_core = _regency_parts(typed)
    kind, core = _regency_parts(official)
    return typed_core == core and (typed_kind is None or typed_kind == kind)


def same_district(typed: str, official: str) -> bool:
    """Whether a typed kecamatan names the table's one (a 'KECAMATAN' prefix allowed)."""
    return _squashed(_DISTRICT_KIND.sub("", card_name(typed))) == _squashed(official)
