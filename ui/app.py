"""`station` with no arguments: the desktop app.

Starts Qt, installs the language (Bahasa Indonesia by default), runs the first-run
setup when the data directory has no station, and shows the main window. Logging
goes to STATION_HOME/logs/station.log like the command line's.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QApplication, QDialog

from station.config import data_dir
from station.core import StationCore
from station.logs import setup_logging
from ui import i18n
from ui.app_context import AppContext
from ui.main_window import MainWindow
from ui.setup import SetupDialog
from ui.tasks import Tasks

log = logging.getLogger(__name__)


def make_app(argv: Sequence[str] = ()) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("ektp-station")
    app.setDesktopFileName("ektp-station")  # the launcher scripts/desktop_entry.py installs
    app.setWindowIcon(QIcon(str(Path(__file__).resolve().parent / "icons" / "ektp-station.svg")))
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(max(font.pointSize(), 10))
    app.setFont(font)
    return app


def run(argv: Sequence[str] = ()) -> int:
    home = data_dir()
    setup_logging(home)
    app = make_app(argv)
    lang = os.environ.get("STATION_LANG") or "id"
    tasks = Tasks()
    if not StationCore.is_initialised(home):
        i18n.install(app, lang)
        dialog = SetupDialog(home, tasks, lang)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.core is None:
            return 1
        core = dialog.core
    else:
        core = StationCore.open(home)
    ctx = AppContext(core, tasks, lang=os.environ.get("STATION_LANG") or core.config.language)
    i18n.install(app, ctx.lang)
    window = MainWindow(ctx)
    window.show()
    log.info("desktop app started for station %s", core.station().code)
    try:
        return app.exec()
    finally:
        ctx.close()
        core.close()
