"""`station`: the command line. Every user error is one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from common.errors import UserFacingError, ValidationError, ValidationErrors
from station.cli import approval_commands, commands, device_commands, report_commands, sync_commands
from station.config import data_dir
from station.logs import setup_logging

log = logging.getLogger(__name__)

EXIT_USER_ERROR = 2
EXIT_FAILED_CHECK = 1


OPERATORS_HELP = """Every change to an account needs a supervisor: --supervisor USER and that
supervisor's password (a hidden prompt, or with --password-stdin the first line of
standard input). `add` and `reset-password` then read the account's new password
(prompted twice, or the second line of standard input):

  printf '%s\\n%s\\n' "$SUPERVISOR_PASSWORD" "$NEW_PASSWORD" | \\
    station operators add ani --full-name "Ani" --supervisor kepala --password-stdin
"""


def _supervisor_arguments(parser: argparse.ArgumentParser, *, new_password: bool) -> None:
    parser.add_argument("--supervisor", required=True, help="the supervisor who makes this change")
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the supervisor's password from the first line of standard input"
        + (" and the account's new password from the second" if new_password else ""),
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="station", description="e-KTP enrollment station")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language of messages (default: settings)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("init", help="set up a new station (once)")
    s.add_argument("--station-code", required=True, help="kecamatan code and counter, e.g. 320412-01")
    s.add_argument("--station-name", required=True)
    s.add_argument("--supervisor", required=True, help="username of the first supervisor")
    s.add_argument("--full-name", default=None, help="the supervisor's full name")
    s.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    s.add_argument("--demo", action="store_true", help="mark this station as a demo / training station")
    s.set_defaults(func=commands.cmd_init)

    ops = sub.add_parser(
        "operators",
        help="manage operator accounts (a supervisor's password for every change)",
        description=OPERATORS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).add_subparsers(dest="op", required=True)
    s = ops.add_parser("add", help="add an account; its user must change the password at first login")
    s.add_argument("username")
    s.add_argument("--full-name", required=True)
    s.add_argument("--role", choices=["operator", "technician", "supervisor"], default="operator")
    _supervisor_arguments(s, new_password=True)
    s.set_defaults(func=commands.cmd_operators_add)
    s = ops.add_parser("list")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=commands.cmd_operators_list)
    for name in ("lock", "unlock"):
        s = ops.add_parser(name)
        s.add_argument("username")
        _supervisor_arguments(s, new_password=False)
        s.set_defaults(func=commands.cmd_operators_lock, locked=name == "lock")
    s = ops.add_parser("reset-password", help="a new password its user must change at the next login")
    s.add_argument("username")
    _supervisor_arguments(s, new_password=True)
    s.set_defaults(func=commands.cmd_operators_reset_password)

    s = sub.add_parser("enroll-synthetic", help="seal N synthetic enrollments (training, demos, load tests)")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--operator", default=None, help="operator username (default: the first supervisor)")
    s.add_argument("--batch", type=int, default=100, help="records per transaction")
    s.set_defaults(func=commands.cmd_enroll_synthetic)

    s = sub.add_parser("status", help="counts per state, oldest unsynced record, disk")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=commands.cmd_status)

    rec = sub.add_parser("records", help="find records and show their timeline").add_subparsers(
        dest="op", required=True
    )
    s = rec.add_parser("find")
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--nik")
    g.add_argument("--name")
    g.add_argument("--reg")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=commands.cmd_records_find)
    s = rec.add_parser("show")
    s.add_argument("reg_no")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=commands.cmd_records_show)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="op", required=True)
    s = db.add_parser("check", help="integrity, audit chain, gap-free sequence, payloads decrypt")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=commands.cmd_db_check)
    device_commands.add_parsers(sub)
    sync_commands.add_parsers(sub, rec)
    report_commands.add_parsers(sub)
    approval_commands.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or os.environ.get("STATION_LANG") or "id"
    args.lang = lang
    setup_logging(data_dir(), verbose=args.verbose)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except ValidationErrors as exc:
        for e in exc.errors:
            print(f"station: {e.text(lang)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (ValidationError, UserFacingError) as exc:
        print(f"station: {exc.text(lang)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("station: dihentikan / interrupted", file=sys.stderr)
        return 130
    except Exception:
        log.exception("unexpected error in %s", args.command)
        print(
            "station: kesalahan internal; detail ada di log / internal error; details are in the log "
            f"({data_dir() / 'logs' / 'station.log'})",
            file=sys.stderr,
        )
        return 70


if __name__ == "__main__":
    sys.exit(main())
