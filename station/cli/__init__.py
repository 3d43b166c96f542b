"""The `station` command line."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from common.errors import ValidationError
from common.text import Text
from station.auth import Authenticated, Role

if TYPE_CHECKING:
    from station.core import StationCore


def cli_actor() -> str:
    """Who the audit log names for a command run at the terminal: the OS account."""
    return f"cli:{getpass.getuser()}"


def read_password(args: argparse.Namespace, prompt: str, *, confirm: bool = False) -> str:
    """From standard input with --password-stdin (scripts, tests), else a hidden prompt."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise ValidationError(Text("Tidak ada kata sandi di stdin.", "No password on standard input."))
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Ulangi / repeat: ") != first:
        raise ValidationError(Text("Kata sandi tidak sama.", "The passwords do not match."))
    return first


def sign_in(
    core: StationCore, args: argparse.Namespace, username: str, *roles: Role, prompt: str | None = None
) -> Authenticated:
    """The session a command acts with: `username` and its password (the first line of
    standard input with --password-stdin, else a hidden prompt), in one of `roles`.
    The core function the command calls checks the session again."""
    password = read_password(args, prompt or f"Kata sandi / password ({username}): ")
    if len(roles) == 1:
        return core.auth.verify_role(username, password, roles[0])
    return core.auth.require(core.auth.login(username, password), *roles)
