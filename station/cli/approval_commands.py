"""`station approve`: the supervisor's end-of-day approval at the terminal (station.approval).

    station approve list [--json]
    station approve approve REG [REG ...] --supervisor USER [--password-stdin]
    station approve reject REG --reason CODE [--note TEXT] --supervisor USER [--password-stdin]

The list is what `station records find` would show (no password, no NIK); a decision
asks the supervisor's password once for the command, like `station records requeue`,
and goes through the same core function as the console's Approval tab.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from common.text import Text
from station.approval import REASONS, Decision, check_decisions, find_pending, submit_decisions
from station.auth import Role
from station.cli import sign_in
from station.core import StationCore
from store.approvals import pending_records


def add_parsers(sub: Any) -> None:
    approve = sub.add_parser(
        "approve", help="supervisor end-of-day approval: list, approve or reject sealed records"
    ).add_subparsers(dest="op", required=True)
    s = approve.add_parser("list", help="the records waiting for approval, oldest first")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_approve_list)
    s = approve.add_parser("approve", help="approve records: they join the sync queue")
    s.add_argument("reg_nos", nargs="+", metavar="REG")
    _supervisor_arguments(s)
    s.set_defaults(func=cmd_approve)
    s = approve.add_parser("reject", help="reject a record: it is withdrawn, its packet is never sent")
    s.add_argument("reg_no", metavar="REG")
    s.add_argument("--reason", required=True, choices=sorted(REASONS))
    s.add_argument("--note", default="", help="a short note (required with --reason other)")
    _supervisor_arguments(s)
    s.set_defaults(func=cmd_reject)


def _supervisor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supervisor", required=True, help="the supervisor who decides (asks for the password)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the supervisor's password from the first line of stdin"
    )


def cmd_approve_list(args: argparse.Namespace) -> int:
    core = StationCore.open()
    rows = pending_records(core.db)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "reg_no": r.reg_no,
                        "station_seq": r.station_seq,
                        "operator": r.operator,
                        "sealed_at": r.sealed_at.isoformat(),
                        "name": r.name,
                        "exceptions": list(r.exceptions),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    if not rows:
        print(
            Text("Tidak ada rekaman yang menunggu persetujuan.", "No records are waiting for approval.").get(args.lang)
        )
        return 0
    for r in rows:
        exceptions = ",".join(r.exceptions) or "-"
        print(f"{r.reg_no}  {r.sealed_at:%Y-%m-%d %H:%M}Z  {r.operator:<12} {exceptions:<20} {r.name}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    core = StationCore.open()
    uuids = [find_pending(core, reg) for reg in args.reg_nos]  # every one checked before the password
    supervisor = sign_in(core, args, args.supervisor, Role.SUPERVISOR)
    result = submit_decisions(core, [Decision(u, True) for u in uuids], supervisor=supervisor)
    print(Text(f"Disetujui: {' '.join(result.approved)}", f"Approved: {' '.join(result.approved)}").get(args.lang))
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    core = StationCore.open()
    record_uuid = find_pending(core, args.reg_no)
    decision = check_decisions([Decision(record_uuid, False, args.reason, args.note)])[0]
    supervisor = sign_in(core, args, args.supervisor, Role.SUPERVISOR)
    result = submit_decisions(core, [decision], supervisor=supervisor)
    print(
        Text(
            f"Ditolak: {' '.join(result.rejected)} ({args.reason}); penarikannya dikirim ke pusat pada gilirannya.",
            f"Rejected: {' '.join(result.rejected)} ({args.reason}); its withdrawal goes to the centre in its turn.",
        ).get(args.lang)
    )
    return 0
