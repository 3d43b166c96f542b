"""The office's daily recap: per operator, the records sealed on one day and what became of them.

What a kecamatan supervisor reports upward every day: enrollments sealed, exceptions
(fingers, iris where the record has it, signature, face), rejections (by the centre,
and by the supervisor at end-of-day approval), records sent, and records still waiting
(those awaiting approval included) with the oldest one's age. One source for the supervisor's
console, its PDF and CSV exports, and `station report daily`.

Traps:
- A day is this computer's local calendar day (the counter's), turned into UTC bounds
  for the query; `sealed_at` is stored in UTC.
- The counts are a cohort: of the records sealed that day, how many were sent, were
  rejected or still wait *now*. Re-running the recap for an old day later shows its
  records' fate since then; `generated_at` says when it was made.
- Names come from the accounts table and go into CSV and HTML: a cell starting with
  = + - @ is prefixed with ' (a spreadsheet would run it as a formula), and HTML is
  escaped.
- No resident data: counts and operator names only; nothing here touches a NIK.
"""

from __future__ import annotations

import csv
import html
import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from common.text import Text
from station.core import StationCore
from store.recap import OperatorCounts, operator_counts

EXCEPTION_GROUPS = ("finger", "iris", "signature", "face")
COLUMNS: tuple[tuple[str, Text], ...] = (
    ("operator", Text("Operator", "Operator")),
    ("full_name", Text("Nama", "Name")),
    ("sealed", Text("Disegel", "Sealed")),
    ("finger_exceptions", Text("Pengecualian jari", "Finger exceptions")),
    ("iris_exceptions", Text("Pengecualian iris", "Iris exceptions")),
    ("signature_exceptions", Text("Pengecualian tanda tangan", "Signature exceptions")),
    ("face_exceptions", Text("Pengecualian wajah", "Face exceptions")),
    ("rejected", Text("Ditolak pusat", "Rejected by the centre")),
    ("withdrawn", Text("Ditolak supervisor", "Rejected by the supervisor")),
    ("awaiting_approval", Text("Menunggu persetujuan", "Awaiting approval")),
    ("sent", Text("Terkirim", "Sent")),
    ("waiting", Text("Masih menunggu", "Still waiting")),
    ("oldest_waiting", Text("Tertua menunggu", "Oldest waiting")),
)
TOTAL = Text("JUMLAH", "TOTAL")
TITLE = Text("Rekap harian perekaman", "Daily enrollment recap")


@dataclass(frozen=True)
class RecapRow:
    """One operator's line (or the total's, with operator "")."""

    operator: str
    full_name: str
    sealed: int
    exceptions: dict[str, int]
    rejected: int
    withdrawn: int
    awaiting_approval: int
    sent: int
    waiting: int
    oldest_waiting_s: float | None  # seconds since the oldest waiting record was sealed

    def values(self, lang: str) -> dict[str, str | int]:
        out: dict[str, str | int] = {
            "operator": self.operator,
            "full_name": self.full_name,
            "sealed": self.sealed,
            "rejected": self.rejected,
            "withdrawn": self.withdrawn,
            "awaiting_approval": self.awaiting_approval,
            "sent": self.sent,
            "waiting": self.waiting,
            "oldest_waiting": format_age(self.oldest_waiting_s, lang),
        }
        for group in EXCEPTION_GROUPS:
            out[f"{group}_exceptions"] = self.exceptions.get(group, 0)
        return out


@dataclass(frozen=True)
class DailyRecap:
    day: date
    station_code: str
    station_name: str
    demo: bool
    generated_at: datetime
    rows: tuple[RecapRow, ...]
    total: RecapRow


def day_window(day: date) -> tuple[datetime, datetime]:
    """The local calendar day `day` as UTC bounds [start, end)."""
    start = datetime.combine(day, time.min).astimezone()
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return start.astimezone(UTC), end.astimezone(UTC)


def daily_recap(core: StationCore, day: date | None = None, *, now: datetime | None = None) -> DailyRecap:
    now = now or datetime.now(UTC)
    day = day or now.astimezone().date()
    start, end = day_window(day)
    rows = tuple(_row(c, now) for c in operator_counts(core.db, start, end))
    station = core.station()
    return DailyRecap(
        day=day,
        station_code=station.code,
        station_name=station.name,
        demo=bool(core.config.demo),
        generated_at=now,
        rows=rows,
        total=_total(rows),
    )


def _row(c: OperatorCounts, now: datetime) -> RecapRow:
    age = None if c.oldest_waiting_sealed_at is None else max(0.0, (now - c.oldest_waiting_sealed_at).total_seconds())
    return RecapRow(
        c.username,
        c.full_name,
        c.sealed,
        dict(c.exceptions),
        c.rejected,
        c.withdrawn,
        c.awaiting_approval,
        c.sent,
        c.waiting,
        age,
    )


def _total(rows: tuple[RecapRow, ...]) -> RecapRow:
    exceptions: dict[str, int] = {}
    for r in rows:
        for group, n in r.exceptions.items():
            exceptions[group] = exceptions.get(group, 0) + n
    ages = [r.oldest_waiting_s for r in rows if r.oldest_waiting_s is not None]
    return RecapRow(
        operator="",
        full_name="",
        sealed=sum(r.sealed for r in rows),
        exceptions=exceptions,
        rejected=sum(r.rejected for r in rows),
        withdrawn=sum(r.withdrawn for r in rows),
        awaiting_approval=sum(r.awaiting_approval for r in rows),
        sent=sum(r.sent for r in rows),
        waiting=sum(r.waiting for r in rows),
        oldest_waiting_s=max(ages) if ages else None,
    )


def format_age(seconds: float | None, lang: str = "id") -> str:
    """'-' for nothing waiting; otherwise days, hours and minutes, as a supervisor reads them."""
    if seconds is None:
        return "-"
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    unit = {"d": "hari", "h": "jam", "m": "mnt"} if lang != "en" else {"d": "d", "h": "h", "m": "min"}
    if days:
        return f"{days} {unit['d']} {hours} {unit['h']}"
    if hours:
        return f"{hours} {unit['h']} {mins} {unit['m']}"
    return f"{mins} {unit['m']}"


def recap_json(recap: DailyRecap) -> dict[str, Any]:
    """The recap as plain JSON values (`station report daily --json`)."""

    def row(r: RecapRow) -> dict[str, Any]:
        return {
            "operator": r.operator,
            "full_name": r.full_name,
            "sealed": r.sealed,
            "exceptions": {g: r.exceptions.get(g, 0) for g in EXCEPTION_GROUPS},
            "rejected": r.rejected,
            "withdrawn": r.withdrawn,
            "awaiting_approval": r.awaiting_approval,
            "sent": r.sent,
            "waiting": r.waiting,
            "oldest_waiting_s": None if r.oldest_waiting_s is None else round(r.oldest_waiting_s),
        }

    return {
        "day": recap.day.isoformat(),
        "station": recap.station_code,
        "station_name": recap.station_name,
        "demo": recap.demo,
        "generated_at": recap.generated_at.isoformat(),
        "operators": [row(r) for r in recap.rows],
        "total": row(recap.total),
    }


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and value != "-":
        return "'" + value
    return value


def recap_csv(recap: DailyRecap, lang: str = "id") -> str:
    """One header line, one line per operator, the total last (UTF-8, comma-separated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", *[key for key, _ in COLUMNS]])
    writer.writerow(["", *[label.get(lang) for _, label in COLUMNS]])
    for r in (*recap.rows, recap.total):
        values = r.values(lang)
        if r is recap.total:
            values["operator"] = TOTAL.get(lang)
        writer.writerow([recap.day.isoformat(), *[_cell(values[key]) for key, _ in COLUMNS]])
    return out.getvalue()


def recap_html(recap: DailyRecap, lang: str = "id") -> str:
    """The recap as a one-page HTML table (the console's PDF export renders it)."""
    e = html.escape
    title = f"{TITLE.get(lang)} {recap.day.isoformat()}"
    head = "".join(f"<th style='font-size:7pt'>{e(label.get(lang))}</th>" for _, label in COLUMNS)
    lines = []
    for r in (*recap.rows, recap.total):
        values = r.values(lang)
        if r is recap.total:
            values["operator"] = TOTAL.get(lang)
        cells = "".join(f"<td>{e(str(values[key]))}</td>" for key, _ in COLUMNS)
        style = ' style="font-weight:bold"' if r is recap.total else ""
        lines.append(f"<tr{style}>{cells}</tr>")
    demo = "<p style='color:#b00020'><b>DEMO / LATIHAN</b></p>" if recap.demo else ""
    made = recap.generated_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (
        f"<html><head><title>{e(title)}</title></head><body>"
        f"<h2>{e(title)}</h2>{demo}<p>{e(recap.station_code)} {e(recap.station_name)} &middot; {e(made)}</p>"
        f"<table width='100%' border='1' cellspacing='0' cellpadding='3' style='font-size:8pt'>"
        f"<tr>{head}</tr>{''.join(lines)}</table>"
        "</body></html>"
    )


def write_recap_csv(recap: DailyRecap, path: Path, lang: str = "id") -> Path:
    """The CSV written whole under a temporary name, then renamed (never half a file),
    owner-only: it names the operators."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
        out.write(recap_csv(recap, lang))
    os.replace(tmp, path)
    return path
