"""`station sync`, `station central`, `station export`, `station records requeue`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from common.errors import ValidationError
from common.text import Text
from station.auth import Authenticated, Role
from station.cli import sign_in
from station.core import StationCore
from station.sync.busy import centre_busy
from station.sync.packets import ensure_signing_key
from store.outbox import Outbox
from wire.keys import BUNDLE_LIMIT, public_pem


def _supervisor(core: StationCore, args: argparse.Namespace) -> Authenticated:
    return sign_in(core, args, args.supervisor or input("Supervisor: ").strip(), Role.SUPERVISOR)


def cmd_sync(args: argparse.Namespace) -> int:
    from station.sync.service import run_locked

    core = StationCore.open()
    if args.force:
        # The console's force sync, not a copy: authorised, audited, never a second worker.
        from station.sync.console import force_sync

        outcome = force_sync(
            core,
            _supervisor(core, args),
            source="cli",
            wait_for_running=False,
            until_idle=args.once or args.until_idle,
            wait_for_retry=args.until_idle,
            timeout_s=args.timeout,
        )
        if outcome.refusal is not None:
            raise outcome.refusal
        if outcome.summary is None:  # a running worker was asked
            print(outcome.message.get(args.lang))
            return 0
        summary, removed = outcome.summary, outcome.removed
    else:
        summary, removed = run_locked(
            core, until_idle=args.once or args.until_idle, wait_for_retry=args.until_idle, timeout_s=args.timeout
        )
    outbox = Outbox(core.db)
    pending, pending_bytes = outbox.pending_totals()
    busy = centre_busy(outbox.info(), outbox.head())  # the centre sheds load: not a broken link
    out = {
        "sent": summary.sent,
        "rejected": summary.rejected,
        "retries": summary.retries,
        "reconciled": summary.reconciled,
        "bytes_sent": summary.bytes_sent,
        "pending": pending,
        "pending_bytes": pending_bytes,
        "packets_removed_by_retention": removed,
        "errors": summary.errors[-10:],
        "centre_busy": busy.as_dict() if busy is not None else None,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        en = args.lang == "en"
        print(
            f"{'sent' if en else 'terkirim'} {summary.sent}, {'rejected' if en else 'ditolak'} {summary.rejected}, "
            f"{'retries' if en else 'diulang'} {summary.retries}, {'still waiting' if en else 'masih menunggu'} {pending}"
        )
        for e in summary.errors[-5:]:
            print(f"  {e}")
        if busy is not None:
            print(busy.text().get(args.lang))
    return 0 if pending == 0 or not args.until_idle else 1


def cmd_central_set(args: argparse.Namespace) -> int:
    """Where the centre is and its keys: a settings change, so a supervisor's password
    (station.admin's `set_central` checks the session, the URL rule and the key file
    before anything is written, and audits it). The key file is the bundle from
    `station-central pubkey` (packet key and receipt key), or a v1 file with the packet
    key alone, which leaves the station unable to sync until the bundle is installed."""
    from station.admin import Admin

    core = StationCore.open()
    data = None
    if args.public_key is not None:
        try:
            with open(args.public_key, "rb") as f:
                data = f.read(BUNDLE_LIMIT + 1)  # bounded: load_central_bundle refuses anything longer
        except OSError as exc:
            raise ValidationError(
                Text(f"Berkas kunci tidak dapat dibaca: {exc.strerror}", f"Cannot read the key file: {exc.strerror}")
            ) from None
    supervisor = sign_in(core, args, args.supervisor, Role.SUPERVISOR)
    installed = Admin(core, supervisor).set_central(url=args.url, key_bundle=data)
    packet, receipt = installed.packet_key, installed.receipt_key
    en = args.lang == "en"
    yes, no = ("installed", "missing") if en else ("terpasang", "belum ada")
    print(
        f"central_url = {core.config.central_url or '-'}; "
        + ("packet key" if en else "kunci paket")
        + f" {yes if packet else no}; "
        + ("receipt key" if en else "kunci tanda terima")
        + f" {yes if receipt else no}"
    )
    if packet and not receipt:
        print(
            Text(
                "Kunci tanda terima pusat belum ada: sinkronisasi tidak berjalan sampai berkas gabungan dari "
                "'station-central pubkey' dipasang (station central set --public-key FILE --supervisor USER).",
                "The centre's receipt key is missing: sync will not run until the bundle from "
                "'station-central pubkey' is installed (station central set --public-key FILE --supervisor USER).",
            ).get(args.lang),
            file=sys.stderr,
        )
    return 0


def cmd_central_pubkey(args: argparse.Namespace) -> int:
    core = StationCore.open()
    sys.stdout.write(public_pem(ensure_signing_key(core.home)).decode())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Hand-carry: packets leave the station, so a supervisor's password first."""
    from station.sync.service import ensure_packets, export_pending

    core = StationCore.open()
    supervisor = sign_in(core, args, args.supervisor, Role.SUPERVISOR)
    ensure_packets(core)
    result = export_pending(core, Path(args.to), supervisor=supervisor)
    print(
        Text(
            f"{len(result.records)} rekaman ({result.bytes / 1e6:.1f} MB) diekspor ke {result.folder}",
            f"{len(result.records)} records ({result.bytes / 1e6:.1f} MB) exported to {result.folder}",
        ).get(args.lang)
    )
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    from station.sync.console import requeue_record

    core = StationCore.open()
    requeue_record(core, args.reg_no, supervisor=_supervisor(core, args))
    print(Text(f"{args.reg_no} diantre ulang.", f"{args.reg_no} requeued.").get(args.lang))
    return 0


def _supervisor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supervisor", required=True, help="the supervisor who does this (asks for the password)")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the supervisor's password from the first line of stdin"
    )


def add_parsers(sub: Any, records: Any) -> None:
    s = sub.add_parser("sync", help="send sealed records to the centre")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="send what can be sent now, then stop")
    mode.add_argument(
        "--until-idle", action="store_true", help="keep going (waiting out retries) until the queue is empty"
    )
    s.add_argument("--force", action="store_true", help="supervisor: retry now, reset the backoff, reconcile")
    s.add_argument("--supervisor")
    s.add_argument("--password-stdin", action="store_true")
    s.add_argument("--timeout", type=float, default=None, help="stop after this many seconds")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sync)
    central = sub.add_parser("central", help="the central receiver this station sends to").add_subparsers(
        dest="op", required=True
    )
    s = central.add_parser("set", help="supervisor: the centre's address and key bundle (a settings change)")
    s.add_argument("--url")
    s.add_argument(
        "--public-key",
        help="the centre's key bundle (packet and receipt key, PEM), from: station-central pubkey",
    )
    _supervisor_arguments(s)
    s.set_defaults(func=cmd_central_set)
    s = central.add_parser("pubkey", help="print this station's public key, to register at the centre")
    s.set_defaults(func=cmd_central_pubkey)
    s = sub.add_parser(
        "export", help="supervisor: copy unsent packets and a signed manifest to a folder (USB hand-carry)"
    )
    s.add_argument("--to", required=True)
    _supervisor_arguments(s)
    s.set_defaults(func=cmd_export)
    s = records.add_parser("requeue", help="supervisor: send a rejected record again")
    s.add_argument("reg_no")
    s.add_argument("--supervisor")
    s.add_argument("--password-stdin", action="store_true")
    s.set_defaults(func=cmd_requeue)
