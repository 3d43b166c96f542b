"""Logging set-up: a rotating file in the data directory plus warnings on stderr.

Log lines name ports, registration numbers and UUIDs, never a NIK or biometric data.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


class _NoTraceback(logging.Formatter):
    """Console lines stay one line each; the traceback goes to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


def setup_logging(home: Path | None, *, verbose: bool = False) -> None:
    root = logging.getLogger()
    if getattr(root, "_station_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(_NoTraceback("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    if home is not None and home.exists():
        logdir = home / "logs"
        logdir.mkdir(exist_ok=True, mode=0o700)
        fh = logging.handlers.RotatingFileHandler(logdir / "station.log", maxBytes=5_000_000, backupCount=5)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        root.addHandler(fh)
    root._station_configured = True  # type: ignore[attr-defined]
