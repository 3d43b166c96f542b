"""The counter's queue and the day's appointments: what the desktop app calls.

A resident at the door gets a numbered ticket (`A-001`, restarting every local day);
the counter calls the oldest waiting ticket, or a specific one, and marks it served
with the sealed record's UUID or as a no-show (optionally back to the end of the
line). Residents with an appointment are checked in from the imported list, which
issues their ticket; calling such a ticket hands the enrollment form what the list
knows (`{"nama", "nik"}`).

Importing a list is *partial on purpose*: every good row is imported and every bad
row is refused with its line number and a specific reason, all in one report, so
the counter can start on the good rows while the supervisor fixes the file. A fixed
file is simply imported again: a row whose resident is already listed for that day
(same NIK) is counted as "already listed" and not added twice. (It also means a
changed slot for an already-listed resident is not updated by a re-import.)

Every call takes the operator's username, which the audit log records. Results are
plain frozen dataclasses; a NIK leaves this module only masked, or in the prefill for
the field where the operator would have typed it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path

from common.errors import UserFacingError, ValidationError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from station.demographics import validate_field
from station.nik import mask_nik, parse_nik
from store.crypto import DataKey
from store.db import Database
from store.queue import AppointmentRecord, NewAppointment, QueueRepository, TicketRecord
from store.queue_models import CALLED, SERVED, WAITING
from store.types import utcnow

log = logging.getLogger(__name__)

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
class TicketView:
    ticket_id: int
    number: str
    state: str
    name: str | None
    slot: str | None  # the appointment's slot, for a checked-in resident
    issued_at: datetime
    waiting_since: datetime
    called_at: datetime | None
    called_by: str | None
    requeues: int


@dataclass(frozen=True)
class AppointmentView:
    appointment_id: int
    slot: str
    name: str
    nik_masked: str
    checked_in: bool
    ticket_number: str | None


@dataclass(frozen=True)
class CalledTicket:
    """A ticket just called at this counter, with what the enrollment form can be prefilled with."""

    ticket_id: int
    number: str
    prefill: dict[str, str]


@dataclass(frozen=True)
class QueueSnapshot:
    """Everything the counter's panel shows, read in one go off the GUI thread."""

    day: str
    now: datetime
    waiting: list[TicketView]
    called: list[TicketView]
    appointments: list[AppointmentView]
    served_today: int


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


def _view(t: TicketRecord) -> TicketView:
    return TicketView(
        t.ticket_id,
        t.number,
        t.state,
        t.name,
        t.slot,
        t.issued_at,
        t.waiting_since,
        t.called_at,
        t.called_by,
        t.requeues,
    )


def _appointment_view(a: AppointmentRecord) -> AppointmentView:
    return AppointmentView(
        a.appointment_id, a.slot, a.name, mask_nik(a.nik), a.checked_in_at is not None, a.ticket_number
    )


# --- reading a CSV -------------------------------------------------------------


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


# --- the service -----------------------------------------------------------------


class CounterQueue:
    """The queue rules over the store; `clock` and `tz` make "today" testable."""

    def __init__(
        self, db: Database, key: DataKey, *, clock: Callable[[], datetime] = utcnow, tz: tzinfo | None = None
    ) -> None:
        self.repo = QueueRepository(db, key)
        self.clock = clock
        self.tz = tz  # None: the machine's local time zone

    def _now(self) -> datetime:
        return self.clock()

    def local_date(self, now: datetime | None = None) -> date:
        return (now or self._now()).astimezone(self.tz).date()

    def today(self) -> str:
        return self.local_date().isoformat()

    # --- tickets ---

    def issue_ticket(self, operator: str, name: str | None = None) -> TicketView:
        """A numbered ticket for a resident at the door (name optional)."""
        name = " ".join((name or "").split()) or None
        if name is not None and (err := validate_field("nama", name)) is not None:
            raise err
        now = self._now()
        return _view(self.repo.issue(day=self.local_date(now).isoformat(), now=now, actor=operator, name=name))

    def check_in(self, appointment_id: int, operator: str) -> TicketView:
        now = self._now()
        return _view(self.repo.check_in(appointment_id, day=self.local_date(now).isoformat(), now=now, actor=operator))

    def _called(self, t: TicketRecord) -> CalledTicket:
        prefill: dict[str, str] = {}
        if t.appointment_id is not None:
            prefill = self.repo.identity(t.appointment_id) or {}
        elif t.name:
            prefill = {"nama": t.name}
        return CalledTicket(t.ticket_id, t.number, prefill)

    def call_next(self, operator: str) -> CalledTicket | None:
        """The oldest waiting ticket, called atomically; None when nobody is waiting."""
        now = self._now()
        t = self.repo.call_next(day=self.local_date(now).isoformat(), now=now, actor=operator)
        return None if t is None else self._called(t)

    def call_ticket(self, ticket_id: int, operator: str) -> CalledTicket:
        now = self._now()
        return self._called(self.repo.call(ticket_id, day=self.local_date(now).isoformat(), now=now, actor=operator))

    def mark_no_show(self, ticket_id: int, operator: str, *, requeue: bool = False) -> TicketView:
        return _view(self.repo.no_show(ticket_id, now=self._now(), actor=operator, requeue=requeue))

    def mark_served(self, ticket_id: int, record_uuid: str, operator: str) -> TicketView:
        return _view(self.repo.served(ticket_id, record_uuid, now=self._now(), actor=operator))

    # --- reading ---

    def waiting(self) -> list[TicketView]:
        return [_view(t) for t in self.repo.tickets(self.today(), [WAITING])]

    def called(self) -> list[TicketView]:
        return [_view(t) for t in self.repo.tickets(self.today(), [CALLED])]

    def appointments_today(self) -> list[AppointmentView]:
        return [_appointment_view(a) for a in self.repo.appointments(self.today())]

    def snapshot(self) -> QueueSnapshot:
        now = self._now()
        day = self.local_date(now).isoformat()
        tickets = self.repo.tickets(day, [WAITING, CALLED, SERVED])
        return QueueSnapshot(
            day=day,
            now=now,
            waiting=[_view(t) for t in tickets if t.state == WAITING],
            called=[_view(t) for t in tickets if t.state == CALLED],
            appointments=[_appointment_view(a) for a in self.repo.appointments(day)],
            served_today=sum(1 for t in tickets if t.state == SERVED),
        )

    # --- importing ---

    def import_appointments(
        self, data: bytes, operator: str, *, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> ImportReport:
        now = self._now()
        parsed = parse_appointments_csv(data, today=self.local_date(now), progress=progress, cancel=cancel)
        stored = self.repo.import_appointments(
            parsed.good,
            now=now,
            actor=operator,
            source_sha256=hashlib.sha256(data).hexdigest(),
            refused=len({p.line for p in parsed.problems}),
            progress=progress,
            cancel=cancel,
        )
        progress(1.0, f"{parsed.rows}")
        return ImportReport(parsed.rows, stored.imported, len(stored.already_listed), parsed.problems)

    def import_appointments_file(
        self, path: Path, operator: str, *, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> ImportReport:
        """Import a CSV file (see `parse_appointments_csv` for what it accepts)."""
        try:
            size = path.stat().st_size
            if size > MAX_CSV_BYTES:
                raise _file_error(
                    f"Berkas terlalu besar ({size // 1_000_000} MB); maksimum {MAX_CSV_BYTES // 1_000_000} MB.",
                    f"The file is too large ({size // 1_000_000} MB); the limit is {MAX_CSV_BYTES // 1_000_000} MB.",
                )
            data = path.read_bytes()
        except OSError as exc:
            raise UserFacingError(
                Text(
                    f"Berkas {path.name} tidak dapat dibaca: {exc.strerror}.",
                    f"Cannot read {path.name}: {exc.strerror}.",
                ),
                code="appointments.read",
            ) from None
        return self.import_appointments(data, operator, progress=progress, cancel=cancel)
