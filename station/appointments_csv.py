"""Reading the day's appointment list from a spreadsheet's CSV export: no store, no clock.

Importing a list is *partial on purpose*: every good row is imported and every bad
row is refused with its line number and a specific reason, all in one report, so
the counter can start on the good rows while the supervisor fixes the file. A fixed
file is simply imported again: a row whose resident is already listed for that day
(same NIK) is counted as "already listed" and not added twice (station.tickets stores
the good rows). (It also means a changed slot for an already-listed resident is not
updated by a re-import.)

Traps:
- spreadsheets turn a 16-digit NIK into `3.2e+15`: such a cell is refused with what
  to do, never "corrected";
- a file is read whole, so its size is bounded (`MAX_CSV_BYTES`) before it is read;
- a NIK leaves this module only inside a `NewAppointment`, never in a problem's text.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from common.errors import UserFacingError, ValidationError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from station.demographics import validate_field
from station.nik import parse_nik
from store.tickets import NewAppointment

MAX_CSV_BYTES = 20_000_000
# Accepted header names (lower-cased, "_" and "-" read as spaces) for each column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "nama", "nama lengkap", "full name"),
    "nik": ("nik",),
    "date": ("date", "tanggal", "tgl", "appointment date", "tanggal janji"),
    "slot": ("time slot", "slot", "time", "jam", "waktu", "sesi"),
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
_SLOT = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-\u2013]\s*(\d{1,2})[:.](\d{2})$")
_SPREADSHEET_NUMBER = re.compile(r"^\d(?:[.,]\d+)?[eE]\+?\d+$")


@dataclass(frozen=True)
class RowProblem:
    line: int
    code: str
    reason: Text


@dataclass(frozen=True)
class ImportReport:
    rows: int  # data rows read (blank lines aside)
    imported: int
    already_listed: int
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len({p.line for p in self.problems})


@dataclass(frozen=True)
class ParsedCsv:
    rows: int
    good: list[NewAppointment]
    problems: list[RowProblem]


def _file_error(id_: str, en: str) -> ValidationError:
    return ValidationError(Text(id_, en), code="appointments.file")


def _problem(line: int, code: str, id_: str, en: str) -> RowProblem:
    return RowProblem(line, code, Text(id_, en))


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD, or DD-MM-YYYY (also with "/"); None when it is not a real date."""
    v = value.strip()
    m = _ISO_DATE.match(v)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if parts is None and (m := _DMY_DATE.match(v)):
        parts = (m.group(3), m.group(2), m.group(1))
    if parts is None:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def parse_slot(value: str) -> str | None:
    """ "08:00-09:00" (also "8.00 - 9.00") as HH:MM-HH:MM; None unless it is a real, forward interval."""
    m = _SLOT.match(value.strip())
    if m is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if not (0 <= h1 <= 23 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
        return None
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = " ".join(cell.strip().lower().replace("_", " ").replace("-", " ").split())
        for column, aliases in COLUMNS.items():
            if name in aliases and column not in found:
                found[column] = i
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        names = ", ".join({"name": "name", "nik": "NIK", "date": "date", "slot": "time slot"}[c] for c in missing)
        raise _file_error(
            f"Baris 1 harus berisi judul kolom name, NIK, date, time slot; tidak ditemukan: {names}.",
            f"Line 1 must hold the column headings name, NIK, date, time slot; missing: {names}.",
        )
    return found


def _check_row(
    line: int, cells: list[str], cols: dict[str, int], width: int, today: date, seen: dict[str, int]
) -> tuple[NewAppointment | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        problems.append(
            _problem(
                line,
                "fields",
                f"Baris berisi {len(cells)} kolom, judulnya {width}: nilai yang memuat pemisah harus diberi tanda kutip.",
                f"The row has {len(cells)} fields, the header {width}: a value containing the delimiter must be quoted.",
            )
        )
        return None, problems

    def cell(column: str) -> str:
        i = cols[column]
        return cells[i].strip() if i < len(cells) else ""

    name = " ".join(cell("name").split())
    if not name:
        problems.append(_problem(line, "name.missing", "Nama kosong.", "The name is missing."))
    elif (err := validate_field("nama", name)) is not None:
        problems.append(RowProblem(line, "name.invalid", err.message))
    nik = cell("nik").replace(" ", "")
    if _SPREADSHEET_NUMBER.match(nik):
        problems.append(
            _problem(
                line,
                "nik.spreadsheet",
                f"NIK {nik} telah diubah menjadi angka oleh spreadsheet: format kolom NIK sebagai Teks lalu ekspor lagi.",
                f"NIK {nik} was turned into a number by the spreadsheet: format the NIK column as Text and export again.",
            )
        )
        nik_ok = False
    else:
        try:
            parse_nik(nik)
            nik_ok = True
        except ValidationError as exc:
            problems.append(RowProblem(line, exc.code, exc.message))
            nik_ok = False
    if nik_ok:
        if nik in seen:
            problems.append(
                _problem(
                    line,
                    "nik.duplicate",
                    f"NIK yang sama sudah ada di baris {seen[nik]} berkas ini.",
                    f"The same NIK is already on line {seen[nik]} of this file.",
                )
            )
        else:
            seen[nik] = line
    raw_date = cell("date")
    day = parse_date(raw_date)
    if not raw_date:
        problems.append(_problem(line, "date.missing", "Tanggal kosong.", "The date is missing."))
    elif day is None:
        problems.append(
            _problem(
                line,
                "date.invalid",
                f"Tanggal {raw_date!r} tidak sah: gunakan YYYY-MM-DD atau DD-MM-YYYY.",
                f"Date {raw_date!r} is not valid: use YYYY-MM-DD or DD-MM-YYYY.",
            )
        )
    elif day < today:
        problems.append(
            _problem(
                line,
                "date.past",
                f"Tanggal {day:%d-%m-%Y} sudah lewat.",
                f"The date {day:%d-%m-%Y} is in the past.",
            )
        )
    raw_slot = cell("slot")
    slot = parse_slot(raw_slot)
    if not raw_slot:
        problems.append(_problem(line, "slot.missing", "Jam (slot) kosong.", "The time slot is missing."))
    elif slot is None:
        problems.append(
            _problem(
                line,
                "slot.invalid",
                f"Jam {raw_slot!r} tidak sah: gunakan misalnya 08:00-09:00.",
                f"Time slot {raw_slot!r} is not valid: use for example 08:00-09:00.",
            )
        )
    if problems or day is None or slot is None:
        return None, problems
    return NewAppointment(line, day.isoformat(), slot, name, nik), []


def parse_appointments_csv(
    data: bytes, *, today: date, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> ParsedCsv:
    """Every row checked: the good ones, and each problem with its line number.

    UTF-8 with or without a BOM; the delimiter (`,` or `;`) is the one the header
    line uses more. A file without the four headings is refused as a whole.
    """
    cancel = cancel or CancelToken()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _file_error(
            f'Berkas bukan UTF-8 (baris {line}): simpan dari spreadsheet sebagai "CSV UTF-8".',
            f'The file is not UTF-8 (line {line}): save it from the spreadsheet as "CSV UTF-8".',
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise _file_error("Berkas kosong.", "The file is empty.") from None
    cols = _header_map(header)
    total_lines = max(text.count("\n"), 1)
    good: list[NewAppointment] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    rows = 0
    prev_end = reader.line_num
    try:
        for cells in reader:
            line, prev_end = prev_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            rows += 1
            appt, found = _check_row(line, cells, cols, len(header), today, seen)
            problems.extend(found)
            if appt is not None:
                good.append(appt)
            if rows % 200 == 0:
                cancel.raise_if_cancelled()
                progress(0.5 * min(prev_end / total_lines, 1.0), f"{rows}")
    except csv.Error as exc:
        raise _file_error(
            f"Berkas CSV rusak di baris {reader.line_num}: {exc}.",
            f"The CSV file is broken at line {reader.line_num}: {exc}.",
        ) from None
    return ParsedCsv(rows, good, problems)


def read_csv_file(path: Path) -> bytes:
    """The file's bytes, refused before reading when it is larger than `MAX_CSV_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise _file_error(
                f"Berkas terlalu besar ({size // 1_000_000} MB); maksimum {MAX_CSV_BYTES // 1_000_000} MB.",
                f"The file is too large ({size // 1_000_000} MB); the limit is {MAX_CSV_BYTES // 1_000_000} MB.",
            )
        return path.read_bytes()
    except OSError as exc:
        raise UserFacingError(
            Text(
                f"Berkas {path.name} tidak dapat dibaca: {exc.strerror}.",
                f"Cannot read {path.name}: {exc.strerror}.",
            ),
            code="appointments.read",
        ) from None
