"""`station-central`: run and inspect the reference central receiver.

Every user error is one line on stderr and exit status 2; `import` exits 1 when it
refused any packet, naming each. Traps:
- Only `init` and `serve` create keys; `pubkey` and the rest refuse a home without
  them, so a mistyped --home cannot hand stations a key nobody holds.
- `import` reads a stick that may be hostile: every name or text from it is printed
  through importer.printable (no terminal escape sequences), and whatever goes
  wrong is one line and a non-zero exit, never a traceback.
- `serve` binds the socket itself and prints the real address (also with --port 0),
  so scripts and tests can start it on an ephemeral port; with `--workers N` it binds
  once, prints once, and N forked processes serve that socket (central.workers).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from central.db import SchemaMismatch
from central.errors import CentralError
from central.importer import ImportRefused, import_dir, printable
from central.keys import NotInitialised, load_keys
from central.receiver import Receiver
from central.report import build_report, render_text
from central.settings import (
    DEFAULT_DOWNSTREAM_DELAY_S,
    DEFAULT_MAX_PACKET_SIZE,
    DEFAULT_PORT,
    DEFAULT_SKEW_S,
    Settings,
    default_work_slots,
)
from central.stations import StationError, add_station, list_stations

log = logging.getLogger(__name__)

EXIT_REFUSED = 1
EXIT_USER_ERROR = 2
MAX_WORKERS = 64


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", type=Path, default=argparse.SUPPRESS, help="data directory (default: $CENTRAL_HOME)")
    common.add_argument("--db", default=argparse.SUPPRESS, help="database URL (default: $CENTRAL_DB_URL or SQLite)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS)
    p = argparse.ArgumentParser(
        prog="station-central", description="reference e-KTP central receiver", parents=[common]
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("init", parents=[common], help="create the keys and the database (once)")
    s = sub.add_parser(
        "serve",
        parents=[common],
        help="run the receiver (HTTP)",
        description=SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port (printed)")
    s.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="receiver processes sharing the port (default 1); each has its own work slots and turns",
    )
    s.add_argument("--downstream-delay", type=float, default=DEFAULT_DOWNSTREAM_DELAY_S, metavar="SECONDS")
    s.add_argument("--skew", type=float, default=DEFAULT_SKEW_S, metavar="SECONDS", help="allowed clock skew")
    s.add_argument("--max-packet-size", type=int, default=DEFAULT_MAX_PACKET_SIZE, metavar="BYTES")
    _admission_options(s)

    st = sub.add_parser("stations", help="the registry of stations").add_subparsers(dest="op", required=True)
    s = st.add_parser("add", parents=[common], help="register a station's Ed25519 public key")
    s.add_argument("--code", required=True)
    s.add_argument("--public-key", type=Path, required=True, metavar="FILE")
    s.add_argument("--name", default="")
    s = st.add_parser("list", parents=[common])
    s.add_argument("--json", action="store_true")

    sub.add_parser(
        "pubkey", parents=[common], help="print the key bundle stations install: packet key and receipt key (PEM)"
    )
    s = sub.add_parser("import", parents=[common], help="ingest a hand-carried export directory")
    s.add_argument("directory", type=Path, metavar="DIR")
    s = sub.add_parser("report", parents=[common], help="per-station received records, watermark and gaps")
    s.add_argument("--json", action="store_true")
    return p


SERVE_DESCRIPTION = """run the receiver (HTTP)

Several processes: --workers N runs N processes on this machine, sharing one port and
the database. SQLite allows it (the processes share the file, one writer at a time);
PostgreSQL (--db postgresql://...) is the engine for several processes and for
several machines, each running its own `serve` against the same database.

Capacity, per process: --slots requests do database work at once, --sessions
stations are served at once (a turn of --session-records records while others
wait), the rest are answered 503 server.busy with a Retry-After that tells each
station roughly when its turn comes. For a test of saturation make it small, e.g.
`serve --slots 1 --sessions 1 --session-records 1 --session-min 0`.
"""


def _admission_options(s: argparse.ArgumentParser) -> None:
    """`serve`'s limits on what clients may hold and how much work runs at once
    (docs/sync-protocol.md "Admission")."""
    d = Settings.__dataclass_fields__
    slots = default_work_slots()
    s.add_argument(
        "--slots",
        dest="work_slots",
        type=int,
        default=slots,
        metavar="N",
        help=f"requests doing database work at once, per process (default here {slots}: 2 per core, under the pool)",
    )
    for flag, name, kind, metavar, text in (
        ("--slot-wait", "slot_wait_s", float, "SECONDS", "longest wait of an admitted request for a work slot"),
        ("--sessions", "max_sessions", int, "N", "stations served at once, per process; others wait in order"),
        ("--session-records", "session_records", int, "N", "records a station commits per turn while others wait"),
        ("--session-min", "session_min_s", float, "SECONDS", "shortest turn (0 for tests of the rotation)"),
        ("--session-max", "session_max_s", float, "SECONDS", "longest turn while others wait"),
        ("--session-idle", "session_idle_s", float, "SECONDS", "silence that ends a station's turn"),
        ("--max-retry-after", "max_retry_after_s", int, "SECONDS", "longest Retry-After given"),
        ("--body-timeout", "body_timeout_s", float, "SECONDS", "longest time to receive one request body"),
        ("--body-idle-timeout", "body_idle_timeout_s", float, "SECONDS", "longest wait for the next body bytes"),
        ("--header-timeout", "header_timeout_s", float, "SECONDS", "longest time to receive a request head"),
        (
            "--max-connections",
            "max_connections",
            int,
            "N",
            "open connections before new requests get 503 (per process)",
        ),
        ("--max-inflight-bytes", "max_inflight_bytes", int, "BYTES", "request-body bytes held at once, in all"),
        ("--max-inflight-bytes-per-station", "max_inflight_bytes_per_station", int, "BYTES", "the same, per station"),
    ):
        default = d[name].default
        s.add_argument(flag, dest=name, type=kind, default=default, metavar=metavar, help=f"{text} (default {default})")


SERVE_WORK_SETTINGS = (
    "work_slots",
    "slot_wait_s",
    "max_sessions",
    "session_records",
    "session_min_s",
    "session_max_s",
    "session_idle_s",
    "max_retry_after_s",
)


def _settings(args: argparse.Namespace) -> Settings:
    base = Settings.from_env(home=getattr(args, "home", None), db_url=getattr(args, "db", None))
    if args.command != "serve":
        return base
    return Settings(
        home=base.home,
        db_url=base.db_url,
        skew_s=args.skew,
        downstream_delay_s=args.downstream_delay,
        max_packet_size=args.max_packet_size,
        body_timeout_s=args.body_timeout_s,
        body_idle_timeout_s=args.body_idle_timeout_s,
        header_timeout_s=args.header_timeout_s,
        max_connections=args.max_connections,
        max_inflight_bytes=args.max_inflight_bytes,
        max_inflight_bytes_per_station=args.max_inflight_bytes_per_station,
        **{name: getattr(args, name) for name in SERVE_WORK_SETTINGS},
    )


def cmd_init(settings: Settings, args: argparse.Namespace) -> int:
    receiver = Receiver(settings)
    receiver.close()
    _say(f"centre initialised in {settings.home}")
    _say(receiver.keys.bundle().decode(), end="")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from central.app import create_app
    from central.server import make_server
    from central.workers import serve_workers

    if not 1 <= args.workers <= MAX_WORKERS:
        raise UserError(f"--workers must be from 1 to {MAX_WORKERS}")
    if args.workers > 1:
        settings = dataclasses.replace(settings, line_shared_by=args.workers)  # central.gate: one line, N servers
        Receiver(settings).close()  # keys and schema once, before the workers race for them
    else:
        app = create_app(settings)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    port = sock.getsockname()[1]
    if args.workers > 1:
        sock.listen(2048)
        sock.set_inheritable(True)
        _say(f"station-central: serving on http://{args.host}:{port}")  # the same line as one process
        log.info("%d workers share the port", args.workers)
        return serve_workers(settings, sock, args.workers)
    _say(f"station-central: serving on http://{args.host}:{port}")
    server = make_server(app, settings)
    server.run(sockets=[sock])
    return 0


def cmd_stations_add(settings: Settings, args: argparse.Namespace) -> int:
    pem = args.public_key.read_bytes()
    receiver = Receiver(settings, create=False)
    try:
        info = add_station(receiver.engine, args.code, pem, name=args.name, now=receiver.clock())
    finally:
        receiver.close()
    _say(f"station {info.code} added")
    return 0


def cmd_stations_list(settings: Settings, args: argparse.Namespace) -> int:
    receiver = Receiver(settings, create=False)
    try:
        found = list_stations(receiver.engine)
    finally:
        receiver.close()
    if args.json:
        _say(json.dumps([{"code": s.code, "name": s.name, "added_at": s.added_at.isoformat()} for s in found]))
    else:
        for s in found:
            _say(f"{s.code}\t{s.name}\t{s.added_at:%Y-%m-%d %H:%M}")
    return 0


def cmd_pubkey(settings: Settings, args: argparse.Namespace) -> int:
    """The bundle (wire.keys.central_bundle): `station central set --public-key FILE` takes it whole."""
    _say(load_keys(settings.home).bundle().decode(), end="")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    receiver = Receiver(settings, create=False)
    try:
        result = import_dir(receiver, args.directory)
    except (ImportRefused, CentralError, OSError, SQLAlchemyError):
        raise  # main() words these
    except Exception as exc:
        # The stick is hostile input: whatever it provokes is one line, never a traceback.
        log.debug("import stopped", exc_info=True)
        raise UserError(
            f"import stopped on unexpected input ({type(exc).__name__}); packets before it stay received "
            "(-v shows the details)"
        ) from None
    finally:
        receiver.close()
    refused = len(result.refused) + result.unlisted_not_named
    _say(
        f"import for station {result.station}: {len(result.imported)} imported, "
        f"{len(result.already)} already received, {refused} refused"
    )
    for r in result.refused:
        uuid_text = printable(r.record_uuid) if r.record_uuid else "no uuid"
        _say(f"refused {printable(r.file)} ({uuid_text}): {r.code}: {printable(r.detail)}")
    if result.unlisted_not_named:
        _say(f"refused {result.unlisted_not_named} more unlisted *.pkt files (not named)")
    return EXIT_REFUSED if refused else 0


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    receiver = Receiver(settings, create=False)
    try:
        report = build_report(receiver)
    finally:
        receiver.close()
    _say(json.dumps(report, indent=2) if args.json else render_text(report))
    return 0


class UserError(Exception):
    pass


def _say(text: str, *, end: str = "\n") -> None:
    """The command's own output (stdout, flushed at once so a parent process sees it)."""
    sys.stdout.write(text + end)
    sys.stdout.flush()


COMMANDS = {
    ("init", None): cmd_init,
    ("serve", None): cmd_serve,
    ("stations", "add"): cmd_stations_add,
    ("stations", "list"): cmd_stations_list,
    ("pubkey", None): cmd_pubkey,
    ("import", None): cmd_import,
    ("report", None): cmd_report,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    command = COMMANDS[(args.command, getattr(args, "op", None))]
    try:
        return command(_settings(args), args)
    except (UserError, NotInitialised, StationError, ImportRefused, SchemaMismatch) as exc:
        return _fail(str(exc))
    except CentralError as exc:
        return _fail(f"{exc.code}: {exc.detail}")
    except OSError as exc:
        return _fail(f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else str(exc))
    except ValueError as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        log.debug("database error", exc_info=True)
        return _fail(f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}")


def _fail(message: str) -> int:
    sys.stderr.write(f"station-central: error: {message}\n")
    return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
