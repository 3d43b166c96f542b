"""Install the station's menu launcher and icon for the user running scripts/start.

Writes, under $XDG_DATA_HOME (default ~/.local/share), following the freedesktop.org
Desktop Entry and Icon Theme specifications:
    applications/ektp-station.desktop                 Exec = this checkout's scripts/start
    icons/hicolor/scalable/apps/ektp-station.svg      the icon (ui/icons/ektp-station.svg)
Traps:
- Exec takes an absolute path, quoted per the specification when it has spaces, so the
  launcher works from any working directory; Path= sets the working directory too.
- The files are written under a temporary name and renamed, so a menu never reads half
  a file; writing the same content again changes nothing (scripts/start runs this at
  every start on a desktop).
- The desktop file name matches the app's QGuiApplication.desktopFileName, so the
  window is grouped under this launcher and shows its icon.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_ID = "ektp-station"
ROOT = Path(__file__).resolve().parent.parent
ICON_SOURCE = ROOT / "ui" / "icons" / f"{APP_ID}.svg"


def data_home() -> Path:
    raw = os.environ.get("XDG_DATA_HOME", "")
    return Path(raw) if raw and os.path.isabs(raw) else Path.home() / ".local" / "share"


def quote_exec(path: Path) -> str:
    """An Exec argument: quoted with the specification's escapes when it needs quoting."""
    text = str(path)
    if not any(c in text for c in " \t\n\"'\\><~|&;$*?#()`"):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def desktop_entry(start: Path) -> str:
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.5",
            "Name=e-KTP Enrollment Station",
            "Name[id]=Stasiun Perekaman e-KTP",
            "Comment=Record residents for the electronic ID card, online or offline",
            "Comment[id]=Perekaman penduduk untuk KTP elektronik, daring maupun luring",
            f"Exec={quote_exec(start)}",
            f"Path={start.parent.parent}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Office;Utility;",
            "StartupNotify=true",
            f"StartupWMClass={APP_ID}",
            "",
        ]
    )


def _write(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically; False when it already held exactly that."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def install(start: Path, home: Path | None = None) -> list[Path]:
    """Install the launcher and icon; return the files that changed."""
    base = home or data_home()
    entry = base / "applications" / f"{APP_ID}.desktop"
    icon = base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    changed = []
    if _write(icon, ICON_SOURCE.read_bytes()):
        changed.append(icon)
    if _write(entry, desktop_entry(start.resolve()).encode("utf-8")):
        changed.append(entry)
    return changed


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--start", type=Path, default=ROOT / "scripts" / "start", help="the command the launcher runs")
    args = p.parse_args(argv)
    for path in install(args.start):
        print(f"installed {path}")  # noqa: T201 - a script's own output
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
