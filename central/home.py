"""The centre's home directory: its keys, and the SQLite database by default.

Traps:
- Everything here is owner-only whatever existed before: `tighten` sets the home and
  keys/ to 0700 and the keys to 0600 at every start, and each directory is made 0700
  level by level (mkdir(parents=True) would give the parents the umask's 0755).
- Since schema version 3 no packet bytes live here (they are in the database, so any
  number of nodes can share them); a version-2 spool found here is moved into the
  database by the upgrade (central.spool) and then set aside.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIRS = ("keys",)


def private_dir(path: Path, home: Path) -> None:
    """Make `path` (inside `home`) and every missing level above it, each mode 0700."""
    missing: list[Path] = []
    level = path
    while level != home and not level.is_dir():
        missing.append(level)
        level = level.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            pass
        os.chmod(directory, 0o700)


def tighten(home: Path) -> None:
    """Owner-only modes for the home and its keys, whatever they were (see the module traps)."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    for name in PRIVATE_DIRS:
        top = home / name
        private_dir(top, home)
        os.chmod(top, 0o700)
        with os.scandir(top) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                elif entry.is_file(follow_symlinks=False):
                    os.chmod(entry.path, 0o600)
