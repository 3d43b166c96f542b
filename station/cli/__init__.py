"""The `station` command line."""

import argparse
import getpass
import sys

from common.errors import ValidationError
from common.text import Text


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
