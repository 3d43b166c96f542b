"""The `station` command: the desktop app with no arguments, the command line otherwise.

It lives in ui/ because the core (station/) may not import Qt; Qt is imported only
when the app is wanted, so the command line starts as fast as before.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Sequence

SMOKE_ENV = "STATION_SMOKE_EXIT_AFTER_LOGIN_SHOWN"
# The exit code of a command that cannot run on this install (as the CLI's user errors).
EXIT_NOT_INSTALLED = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] == "app":
        if importlib.util.find_spec("PySide6") is None:
            # A Qt-free install (the `station` extra only): one line, not a traceback.
            sys.stderr.write(
                "station: aplikasi desktop memerlukan ekstra `desktop` (pip install 'ektp-station[desktop]'); "
                "perintah baris tetap jalan (station --help) / the desktop app needs the `desktop` extra "
                "(pip install 'ektp-station[desktop]'); the command line works without it (station --help)\n"
            )
            return EXIT_NOT_INSTALLED
        from ui.app import run

        if os.environ.get(SMOKE_ENV):
            _arm_smoke_exit()
        return run(args[1:])
    try:
        from station.cli.main import main as cli_main
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] in _OURS:
            raise
        # The centre's install (no `station` extra): name the extra, not a traceback.
        sys.stderr.write(
            f"station: modul {exc.name!r} tidak terpasang; perintah station memerlukan ekstra `station` "
            f"(pip install 'ektp-station[station]') / module {exc.name!r} is not installed; the station's "
            "commands need the `station` extra (pip install 'ektp-station[station]')\n"
        )
        return EXIT_NOT_INSTALLED
    return cli_main(args)


# Our own top-level packages: a missing one of these is a broken install, not a missing extra.
_OURS = frozenset({"common", "station", "store", "devices", "wire", "central", "ui"})


def _arm_smoke_exit() -> None:
    """For .ci/smoke-xcb only: print one line and quit with 0 once the login is on screen.

    Armed only when STATION_SMOKE_EXIT_AFTER_LOGIN_SHOWN is set (its value: seconds to keep
    the window up after that, for a screenshot). "On screen" means the login page is
    visible and its window is exposed by the window system, not just created. Gives up
    with exit code 1 after 120 s. The app then closes through its normal path.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QGuiApplication

    from ui.app import make_app
    from ui.login import LoginPage

    app = make_app()
    try:
        hold_ms = max(0, int(float(os.environ.get(SMOKE_ENV, "0")) * 1000))
    except ValueError:
        hold_ms = 0
    deadline = time.monotonic() + 120
    timer = QTimer(app)

    def poll() -> None:
        shown = [w for w in app.allWidgets() if isinstance(w, LoginPage) and w.isVisible()]
        handle = shown[0].window().windowHandle() if shown else None
        if handle is not None and handle.isExposed():
            timer.stop()
            sys.stdout.write(f"smoke: login shown on {QGuiApplication.platformName()}\n")
            sys.stdout.flush()
            QTimer.singleShot(hold_ms, app.quit)
        elif time.monotonic() > deadline:
            timer.stop()
            sys.stdout.write("smoke: login not shown within 120 s\n")
            sys.stdout.flush()
            app.exit(1)

    timer.timeout.connect(poll)
    timer.start(100)


if __name__ == "__main__":
    sys.exit(main())
