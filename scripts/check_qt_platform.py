#!/usr/bin/env python3
"""Check that Qt's X11 (xcb) platform plugin can load, before the desktop app starts.

Why: the PySide6 wheel brings Qt itself but not the X11 libraries its xcb plugin links
against. On a fresh Debian desktop some are missing (typically libxcb-cursor0, often
libxcb-icccm4 and libxcb-keysyms1), and the app then aborts inside Qt with a message
that names xcb-cursor whatever is really missing. This check names the exact files and
the Debian packages that provide them, and installs them when it runs as root.

How: `ldd` on the plugin (`Qt/plugins/platforms/libqxcb.so`) and on the xcb integration
library it loads (`Qt/lib/libQt6XcbQpa.so.6`); every "=> not found" line is a missing
library, transitively (ldd walks the whole dependency tree). It takes a few tens of
milliseconds, needs no display connection, and cannot abort. A probe process that
starts a QGuiApplication would be slower and would only repeat Qt's misleading message.

Uses the standard library only and never imports Qt, so it runs even where Qt cannot.
Exit status: 0 when the plugin can load (or there is nothing to check: not Linux, no
PySide6, no ldd: then Qt speaks for itself), 1 when libraries are missing (one line on stderr says which packages
and the command that installs them).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

# The library files Qt's xcb plugin and its Qt dependencies need, and the Debian
# package of each (Debian 12; Ubuntu uses the same names). Names not in the table are
# derived from the file name the way Debian names library packages (see package_for).
PACKAGES: dict[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libEGL.so.1": "libegl1",
    "libGLdispatch.so.0": "libglvnd0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")
_SONAME = re.compile(r"^(lib.+?)\.so\.(\d+)")

LddRunner = Callable[[Path], str]


def qt_dir() -> Path | None:
    """The wheel's Qt directory (PySide6/Qt), found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt"


def xcb_libraries(qt: Path) -> list[Path]:
    """The two files whose dependencies decide whether the xcb plugin loads."""
    return [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]


def run_ldd(library: Path) -> str:
    """`ldd`'s output for one library (bounded in time; a failure reads as no output)."""
    try:
        done = subprocess.run(
            ["ldd", str(library)], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout


def missing_from_ldd(output: str) -> list[str]:
    """The library names `ldd` reports as "not found", in order, each once."""
    names: list[str] = []
    for line in output.splitlines():
        match = _NOT_FOUND.match(line)
        if match and match.group(1) not in names:
            names.append(match.group(1))
    return names


def missing_libraries(libraries: Iterable[Path], ldd: LddRunner = run_ldd) -> list[str]:
    """Every library any of `libraries` needs that the loader cannot find."""
    missing: list[str] = []
    for library in libraries:
        if not library.exists():
            continue
        for name in missing_from_ldd(ldd(library)):
            if name not in missing:
                missing.append(name)
    return missing


def package_for(soname: str) -> str:
    """The Debian package that ships `soname`: from the table, else by Debian's rule.

    The rule (Debian policy 8.1): the package is the library's name with its SONAME
    version appended, lower-cased, with a hyphen between them when the name ends in a
    digit (libxcb-xinput.so.0 -> libxcb-xinput0, libfoo-2.so.1 -> libfoo-2-1).
    """
    if soname in PACKAGES:
        return PACKAGES[soname]
    match = _SONAME.match(soname)
    if match is None:
        return soname
    stem, version = match.group(1).lower(), match.group(2)
    return f"{stem}-{version}" if stem[-1].isdigit() else f"{stem}{version}"


def packages_for(sonames: Iterable[str]) -> list[str]:
    """The packages for `sonames`, each once, in order."""
    packages: list[str] = []
    for soname in sonames:
        package = package_for(soname)
        if package not in packages:
            packages.append(package)
    return packages


def refusal_line(missing: Sequence[str], packages: Sequence[str]) -> str:
    """The one line a non-root user sees: which libraries, which packages, which command."""
    return (
        f"scripts/start: Qt cannot open a window: {', '.join(missing)} missing. "
        f"Install them with: sudo apt-get install {' '.join(packages)}"
    )


def apt_install(packages: Sequence[str]) -> bool:
    """apt-get update once, then install `packages` without questions. True if it worked."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *packages],
            env=env,
            check=True,
            timeout=1200,
            stdout=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def check(
    qt: Path | None,
    *,
    ldd: LddRunner = run_ldd,
    is_root: bool,
    install: Callable[[Sequence[str]], bool] = apt_install,
    say: Callable[[str], None] = lambda line: print(line, flush=True),  # noqa: T201 - the script's own output
) -> int:
    """Check the plugin; as root install what is missing, else name it. Returns the exit code."""
    if qt is None or not sys.platform.startswith("linux"):
        return 0
    libraries = xcb_libraries(qt)
    missing = missing_libraries(libraries, ldd)
    if not missing:
        return 0
    packages = packages_for(missing)
    if is_root:
        say(f"scripts/start: installing Qt's X11 libraries: {' '.join(packages)}")
        if install(packages):
            missing = missing_libraries(libraries, ldd)
            if not missing:
                return 0
            packages = packages_for(missing)
    sys.stderr.write(refusal_line(missing, packages) + "\n")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--qt-dir", type=Path, help="the wheel's Qt directory (default: PySide6's own)"
    )
    parser.add_argument(
        "--install-if-root",
        action="store_true",
        help="as root, install the missing packages with apt-get instead of naming them",
    )
    args = parser.parse_args(argv)
    qt = args.qt_dir if args.qt_dir is not None else qt_dir()
    is_root = args.install_if_root and os.geteuid() == 0
    return check(qt, is_root=is_root)


if __name__ == "__main__":
    sys.exit(main())
