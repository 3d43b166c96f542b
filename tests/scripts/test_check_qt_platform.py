"""scripts/check_qt_platform.py: a missing X11 library is named with its Debian package and
the command that installs it (never a Qt abort), or installed when run as root.

The missing-library path is exercised without uninstalling anything: a stub Qt directory
and a fake `ldd` first on PATH that reports what a fresh Debian desktop lacks.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_qt_platform.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_qt_platform", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cqp = _load()

# What ldd printed for the xcb plugin on the fresh Debian 12 desktop of issue 16
# (trimmed): three libraries not found, the rest resolved.
FRESH_DESKTOP_LDD = """\
\tlinux-vdso.so.1 (0x00007ffd5a5f2000)
\tlibQt6XcbQpa.so.6 => /opt/venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f1c0a000000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f1c09ff0000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f1c09fc0000)
\t/lib64/ld-linux-x86-64.so.2 (0x00007f1c0a2a0000)
"""


def _stub_qt(tmp_path: Path) -> Path:
    qt = tmp_path / "PySide6" / "Qt"
    for library in cqp.xcb_libraries(qt):
        library.parent.mkdir(parents=True, exist_ok=True)
        library.write_bytes(b"")
    return qt


def _fake_ldd(tmp_path: Path, output: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "ldd.out").write_text(output)
    ldd = bin_dir / "ldd"
    ldd.write_text(f"#!/bin/sh\ncat '{tmp_path / 'ldd.out'}'\n")
    ldd.chmod(0o755)
    return bin_dir


def test_not_found_lines_are_read_in_order_once() -> None:
    assert cqp.missing_from_ldd(FRESH_DESKTOP_LDD) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
    ]
    assert cqp.missing_from_ldd("\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n") == []


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libEGL.so.1", "libegl1"),
        ("libGL.so.1", "libgl1"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libgthread-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_table_maps_the_xcb_family_to_debian_packages(soname: str, package: str) -> None:
    assert cqp.package_for(soname) == package


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-xvmc.so.0", "libxcb-xvmc0"),  # not in the table: Debian's naming rule
        ("libfoo-2.so.1", "libfoo-2-1"),  # a name ending in a digit gets a hyphen
        ("weird-name", "weird-name"),  # not a library name: shown as it is
    ],
)
def test_names_outside_the_table_follow_debian_policy(soname: str, package: str) -> None:
    assert soname not in cqp.PACKAGES
    assert cqp.package_for(soname) == package


def test_the_table_covers_every_system_library_the_real_plugin_links() -> None:
    """A PySide6 upgrade that links a new X11 library must extend the table, not guess."""
    qt = cqp.qt_dir()
    readelf = shutil.which("readelf")
    if qt is None or readelf is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Linux, PySide6 and readelf")
    runtime = ("libQt6", "libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "libpthread.so", "libdl.so")
    needed: set[str] = set()
    for library in cqp.xcb_libraries(qt):
        out = subprocess.run([readelf, "-d", str(library)], capture_output=True, text=True, timeout=30, check=True)
        needed |= {line.split("[", 1)[1].rstrip("]") for line in out.stdout.splitlines() if "(NEEDED)" in line}
    system = {name for name in needed if not name.startswith(runtime)}
    assert "libxcb-cursor.so.0" in system  # the check looks at the right files
    assert system <= set(cqp.PACKAGES), sorted(system - set(cqp.PACKAGES))


def test_non_root_gets_one_line_naming_packages_and_command(tmp_path: Path) -> None:
    qt = _stub_qt(tmp_path)
    bin_dir = _fake_ldd(tmp_path, FRESH_DESKTOP_LDD)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--qt-dir", str(qt)],  # no --install-if-root: names, never installs
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines == [
        "scripts/start: Qt cannot open a window: libxcb-cursor.so.0, libxcb-icccm.so.4, "
        "libxcb-keysyms.so.1 missing. Install them with: "
        "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    ]
    assert "qt.qpa" not in done.stderr and "Traceback" not in done.stderr


def test_nothing_missing_is_silent_and_zero(tmp_path: Path) -> None:
    qt = _stub_qt(tmp_path)
    bin_dir = _fake_ldd(tmp_path, "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x1)\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--qt-dir", str(qt)], capture_output=True, text=True, env=env, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_root_installs_the_packages_then_checks_again(tmp_path: Path) -> None:
    qt = _stub_qt(tmp_path)
    installed: list[Sequence[str]] = []

    def ldd(_library: Path) -> str:
        return "" if installed else FRESH_DESKTOP_LDD

    def install(packages: Sequence[str]) -> bool:
        installed.append(list(packages))
        return True

    said: list[str] = []
    assert cqp.check(qt, ldd=ldd, is_root=True, install=install, say=said.append) == 0
    assert installed == [["libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]]
    assert said == ["scripts/start: installing Qt's X11 libraries: libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"]


def test_root_whose_install_fails_still_gets_the_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    qt = _stub_qt(tmp_path)
    code = cqp.check(qt, ldd=lambda _l: FRESH_DESKTOP_LDD, is_root=True, install=lambda _p: False, say=lambda _s: None)
    assert code == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1")


def test_no_pyside6_means_nothing_to_check() -> None:
    assert cqp.check(None, is_root=False, ldd=lambda _l: FRESH_DESKTOP_LDD) == 0


def test_the_real_plugin_on_this_machine_is_checked_quickly() -> None:
    """Against the real wheel: it runs, answers 0 or 1, and every missing name maps to a package."""
    qt = cqp.qt_dir()
    if qt is None:
        pytest.skip("PySide6 is not installed")
    started = time.monotonic()
    missing = cqp.missing_libraries(cqp.xcb_libraries(qt))
    assert time.monotonic() - started < 5.0  # it runs before every start of the app
    assert all(name in cqp.PACKAGES for name in missing)
