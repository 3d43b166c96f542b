"""scripts/desktop_entry.py: the menu launcher and icon scripts/start installs for the user."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "desktop_entry.py"


def _run(data_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_launcher_and_icon_are_installed_and_run_scripts_start(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    entry_path = tmp_path / "applications" / "ektp-station.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "ektp-station.svg"
    assert icon.read_bytes() == (ROOT / "ui" / "icons" / "ektp-station.svg").read_bytes()
    entry = _entry(entry_path)
    assert entry["Type"] == "Application" and entry["Icon"] == "ektp-station"
    assert entry["Name[id]"] == "Stasiun Perekaman e-KTP" and entry["Terminal"] == "false"
    command = Path(shlex.split(entry["Exec"])[0])
    assert command == ROOT / "scripts" / "start" and os.access(command, os.X_OK)
    assert Path(entry["Path"]) == ROOT
    assert f"installed {entry_path}" in done.stdout


def test_a_path_with_spaces_is_quoted_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    start = tmp_path / "my station" / "scripts" / "start"
    start.parent.mkdir(parents=True)
    start.write_text("#!/bin/sh\n")
    assert _run(tmp_path / "share", "--start", str(start)).returncode == 0
    entry = _entry(tmp_path / "share" / "applications" / "ektp-station.desktop")
    assert entry["Exec"].startswith('"') and shlex.split(entry["Exec"]) == [str(start)]
    again = _run(tmp_path / "share", "--start", str(start))
    assert again.returncode == 0 and again.stdout == ""  # nothing rewritten


def test_the_app_uses_the_same_icon_and_desktop_name(qapp) -> None:  # type: ignore[no-untyped-def]
    from ui.app import make_app

    app = make_app()
    assert app.desktopFileName() == "ektp-station"
    assert not app.windowIcon().isNull()
