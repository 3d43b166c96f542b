"""`station report daily`: the office's daily recap on the command line (station.daily_recap)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from common.errors import ValidationError
from common.text import Text
from station.core import StationCore
from station.daily_recap import COLUMNS, TOTAL, daily_recap, recap_json, write_recap_csv


def add_parsers(sub: Any) -> None:
    report = sub.add_parser("report", help="reports for the office").add_subparsers(dest="op", required=True)
    s = report.add_parser("daily", help="per operator: sealed, exceptions, rejected, sent, still waiting")
    s.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="the local day (default: today)")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true")
    g.add_argument("--csv", type=Path, default=None, metavar="FILE", help="write the recap as CSV to FILE")
    s.set_defaults(func=cmd_report_daily)


def parse_day(raw: str | None) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError(
            Text(
                f"Tanggal {raw[:20]!r} tidak dikenal: tulis YYYY-MM-DD, misalnya 2026-12-02",
                f"The date {raw[:20]!r} is not understood: write YYYY-MM-DD, for example 2026-12-02",
            ),
            field="date",
        ) from None


def cmd_report_daily(args: argparse.Namespace) -> int:
    recap = daily_recap(StationCore.open(), parse_day(args.date))
    if args.json:
        print(json.dumps(recap_json(recap), indent=2))
        return 0
    if args.csv is not None:
        write_recap_csv(recap, args.csv, args.lang)
        print(args.csv)
        return 0
    head = [label.get(args.lang) for key, label in COLUMNS if key != "full_name"]
    rows = []
    for r in (*recap.rows, recap.total):
        values = r.values(args.lang)
        if r is recap.total:
            values["operator"] = TOTAL.get(args.lang)
        rows.append([str(values[key]) for key, _ in COLUMNS if key != "full_name"])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    title = "Daily recap" if args.lang == "en" else "Rekap harian"
    print(f"{title} {recap.day.isoformat()} · {recap.station_code} {recap.station_name}")
    for line in (head, *rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    return 0
