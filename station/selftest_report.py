"""The technician's self-test as one self-contained HTML page (no Qt, no network).

A run is the plain dict `SelfTestReport.as_dict(lang)` gives; runs of past sessions
are rebuilt from `station.selftest.history` (one stored row per device and one for
the station's own checks, sharing the run's time and technician). The page carries
the station, the time, the technician, every step with what was measured, what was
expected and the remedy, each device's driver, port, model, serial and firmware, and
the history of runs.

Traps:
- every value comes from a device, a port name or an operator's typing: all of it
  goes through `html.escape` (`_e`), attribute values too;
- the same HTML feeds Qt's QTextDocument for the PDF, which knows only a subset of
  CSS: colours are inline on the cells and tables carry border/cellpadding
  attributes, so the page looks the same in a browser and in the PDF;
- stored runs hold English step titles and remedies (`save_report` writes "en").
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from common.text import Text
from devices.base import DEVICE_KIND_LABELS, DeviceKind
from devices.kinds import SIMULATED_LABEL
from station.core import StationCore
from station.selftest import history

log = logging.getLogger(__name__)

PASS_COLOUR, FAIL_COLOUR = "#1b7f3b", "#b00020"
PASS_BG, FAIL_BG = "#e8f5ec", "#fdeaea"

L = {
    "title": Text("Laporan uji mandiri perangkat", "Device self-test report"),
    "station": Text("Stasiun", "Station"),
    "generated": Text("Dibuat", "Generated"),
    "run_at": Text("Waktu uji", "Tested at"),
    "technician": Text("Teknisi", "Technician"),
    "verdict": Text("Hasil", "Result"),
    "passed": Text("LULUS", "PASSED"),
    "failed": Text("GAGAL", "FAILED"),
    "step": Text("Langkah", "Step"),
    "measured": Text("Terukur", "Measured"),
    "expected": Text("Diharapkan", "Expected"),
    "remedy": Text("Perbaikan", "Remedy"),
    "driver": Text("Driver", "Driver"),
    "port": Text("Port", "Port"),
    "model": Text("Model", "Model"),
    "serial": Text("Nomor seri", "Serial"),
    "firmware": Text("Firmware", "Firmware"),
    "fallback": Text("Pengganti", "Fallback"),
    "device": Text("Perangkat", "Device"),
    "station_checks": Text("Pemeriksaan stasiun", "Station checks"),
    "history": Text("Riwayat uji mandiri", "Self-test history"),
    "no_run": Text("Belum ada uji mandiri.", "No self-test has been run yet."),
    "failed_steps": Text("Langkah gagal", "Failed steps"),
    "real": Text("asli", "real"),
}


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def local_time(iso: str) -> str:
    """A stored UTC time as the station's local time, e.g. "2025-06-01 09:30 WIB"."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return iso


def kind_label(kind: str, lang: str) -> str:
    try:
        return DEVICE_KIND_LABELS[DeviceKind(kind)].get(lang)
    except ValueError:
        return L["station_checks"].get(lang) if kind == "station" else kind


def runs_from_history(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Group `history()` rows (newest first) into runs shaped like `SelfTestReport.as_dict`."""
    runs: list[dict[str, Any]] = []
    for row in rows:
        key = (row["at"], row["technician"])
        if not runs or (runs[-1]["at"], runs[-1]["technician"]) != key:
            runs.append(
                {"at": row["at"], "technician": row["technician"], "passed": True, "devices": [], "station": None}
            )
        run = runs[-1]
        run["passed"] = run["passed"] and bool(row["passed"])
        if row["device"] == "station":
            run["station"] = {"passed": bool(row["passed"]), "steps": row["report"].get("steps", [])}
        else:
            run["devices"].insert(0, row["report"])  # rows come newest (last written) first
    return runs


def default_file_name(station_code: str, when: datetime, suffix: str = "html") -> str:
    return f"selftest-{station_code}-{when:%Y-%m-%d}.{suffix}"


def _verdict(passed: bool, lang: str) -> str:
    colour = PASS_COLOUR if passed else FAIL_COLOUR
    word = L["passed" if passed else "failed"].get(lang)
    return f'<b style="color:{colour}">{_e(word)}</b>'


def _steps_table(steps: Sequence[dict[str, Any]], lang: str) -> str:
    head = "".join(f"<th>{_e(L[k].get(lang))}</th>" for k in ("step", "verdict", "measured", "expected", "remedy"))
    rows = []
    for s in steps:
        bg = PASS_BG if s.get("passed") else FAIL_BG
        remedy = _e(s.get("remedy") or "")
        if s.get("error_code"):
            remedy += f" <code>[{_e(s['error_code'])}]</code>"
        rows.append(
            f'<tr style="background:{bg}" bgcolor="{bg}">'
            f"<td>{_e(s.get('title'))}<br><small>{_e(s.get('name'))}</small></td>"
            f"<td>{_verdict(bool(s.get('passed')), lang)}</td>"
            f"<td>{_e(s.get('measured'))}</td><td>{_e(s.get('expected'))}</td><td>{remedy}</td></tr>"
        )
    return (
        '<table class="steps" border="1" cellspacing="0" cellpadding="4" width="100%">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


def _device_section(device: dict[str, Any], lang: str) -> str:
    selection = device.get("selection") or {}
    info = device.get("info") or {}
    simulated = bool(info.get("simulated", selection.get("simulated")))
    sim = f' <b style="color:#b26a00">[{_e(SIMULATED_LABEL.get(lang))}]</b>' if simulated else ""
    facts = [
        ("driver", info.get("driver") or selection.get("driver")),
        ("port", info.get("port") or selection.get("port") or "-"),
        ("model", info.get("model") or "-"),
        ("serial", info.get("serial") or "-"),
        ("firmware", info.get("firmware") or "-"),
    ]
    if selection.get("fallback"):
        facts.append(("fallback", selection["fallback"]))
    cells = "".join(f"<tr><th align='left'>{_e(L[k].get(lang))}</th><td>{_e(v)}</td></tr>" for k, v in facts)
    return (
        f"<h3>{_e(kind_label(str(device.get('kind')), lang))}: "
        f"{_verdict(bool(device.get('passed')), lang)}{sim}</h3>"
        f'<table class="facts" border="0" cellpadding="2">{cells}</table>'
        f"{_steps_table(device.get('steps') or [], lang)}"
    )


def _history_table(runs: Sequence[dict[str, Any]], lang: str) -> str:
    head = "".join(
        f"<th>{_e(L[k].get(lang))}</th>"
        for k in ("run_at", "technician", "device", "driver", "verdict", "failed_steps")
    )
    rows = []
    for run in runs:
        parts = list(run["devices"]) + ([{"kind": "station", **run["station"]}] if run.get("station") else [])
        for part in parts:
            failed = [s.get("name", "") for s in part.get("steps", []) if not s.get("passed")]
            selection = part.get("selection") or {}
            driver = selection.get("driver") or ""
            if selection.get("simulated"):
                driver += f" [{SIMULATED_LABEL.get(lang)}]"
            bg = PASS_BG if part.get("passed") else FAIL_BG
            rows.append(
                f'<tr style="background:{bg}" bgcolor="{bg}"><td>{_e(local_time(run["at"]))}</td>'
                f"<td>{_e(run['technician'])}</td><td>{_e(kind_label(str(part.get('kind')), lang))}</td>"
                f"<td>{_e(driver)}</td><td>{_verdict(bool(part.get('passed')), lang)}</td>"
                f"<td>{_e(', '.join(failed))}</td></tr>"
            )
    return (
        '<table class="history" border="1" cellspacing="0" cellpadding="4" width="100%">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )


STYLE = (
    "body{font-family:sans-serif;font-size:10pt;color:#222;margin:16px}"
    "table{border-collapse:collapse;margin:4px 0 12px 0}"
    "th,td{vertical-align:top;text-align:left}"
    "table.steps th,table.history th{background:#eef2f7}"
    "small{color:#555}code{font-size:9pt}"
)


def report_html(
    *,
    station_code: str,
    station_name: str,
    run: dict[str, Any] | None,
    history: Sequence[dict[str, Any]] = (),
    lang: str = "id",
    generated_at: datetime | None = None,
) -> str:
    """The whole report: one run (`SelfTestReport.as_dict` or from `runs_from_history`)
    and the history of runs, newest first."""
    generated = (generated_at or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    title = f"{L['title'].get(lang)} — {station_code}"
    parts = [
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{_e(L['title'].get(lang))}</h1>",
        '<table class="facts" border="0" cellpadding="2">',
        f"<tr><th align='left'>{_e(L['station'].get(lang))}</th><td>{_e(station_code)} — {_e(station_name)}</td></tr>",
        f"<tr><th align='left'>{_e(L['generated'].get(lang))}</th><td>{_e(generated)}</td></tr>",
    ]
    if run is None:
        parts.append(f"</table><p>{_e(L['no_run'].get(lang))}</p>")
    else:
        parts += [
            f"<tr><th align='left'>{_e(L['run_at'].get(lang))}</th><td>{_e(local_time(run['at']))}</td></tr>",
            f"<tr><th align='left'>{_e(L['technician'].get(lang))}</th><td>{_e(run['technician'])}</td></tr>",
            f"<tr><th align='left'>{_e(L['verdict'].get(lang))}</th><td>{_verdict(bool(run['passed']), lang)}</td></tr>",
            "</table>",
        ]
        parts += [_device_section(d, lang) for d in run.get("devices", [])]
        station = run.get("station")
        if station and station.get("steps"):
            parts.append(f"<h3>{_e(L['station_checks'].get(lang))}: {_verdict(bool(station.get('passed')), lang)}</h3>")
            parts.append(_steps_table(station["steps"], lang))
    if history:
        parts.append(f"<h2>{_e(L['history'].get(lang))}</h2>")
        parts.append(_history_table(history, lang))
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(core: StationCore, run: dict[str, Any] | None, *, lang: str = "id", limit: int = 200) -> str:
    """Read the station and the history (off the GUI thread) and make the page; without
    `run`, the newest stored run is the one shown in full."""
    station = core.station()
    runs = runs_from_history(history(core, limit=limit))
    if run is None and runs:
        run = runs[0]
    return report_html(station_code=station.code, station_name=station.name, run=run, history=runs, lang=lang)


def write_report(path: Path, body: str) -> Path:
    """Write the page atomically enough for a USB stick: a temporary file, then rename."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    log.info("self-test report written to %s", path)
    return path
