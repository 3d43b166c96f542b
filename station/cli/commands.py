"""The implementations behind `station` subcommands (argument parsing is in main.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from common.errors import AuthError, ValidationError
from common.text import Text
from station.auth import Authenticated, Role, User
from station.cli import cli_actor, read_password, sign_in
from station.config import StationConfig
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.status import devices_status, status_dict
from store.check import run_all
from store.records import RecordSummary


def _print(args: argparse.Namespace, text: Text) -> None:
    print(text.get(args.lang))


def _local(t: datetime | None) -> str:
    return "-" if t is None else t.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def cmd_init(args: argparse.Namespace) -> int:
    password = read_password(args, "Kata sandi supervisor / supervisor password: ", confirm=True)
    core = StationCore.init(
        station_code=args.station_code,
        station_name=args.station_name,
        supervisor=args.supervisor,
        supervisor_name=args.full_name or args.supervisor,
        password=password,
        config=StationConfig(demo=args.demo, language=args.lang),
    )
    _print(
        args,
        Text(
            f"Stasiun {args.station_code} siap di {core.home}. Cadangkan kunci data: {core.home / 'keys'}",
            f"Station {args.station_code} is ready in {core.home}. Back up the data key: {core.home / 'keys'}",
        ),
    )
    core.close()
    return 0


def _operators_supervisor(core: StationCore, args: argparse.Namespace) -> Authenticated:
    """`--supervisor USER` and that supervisor's password: every account change needs it."""
    prompt = f"Kata sandi supervisor / supervisor password ({args.supervisor}): "
    return sign_in(core, args, args.supervisor, Role.SUPERVISOR, prompt=prompt)


def cmd_operators_add(args: argparse.Namespace) -> int:
    core = StationCore.open()
    supervisor = _operators_supervisor(core, args)
    password = read_password(args, f"Kata sandi untuk / password for {args.username}: ", confirm=True)
    core.auth.add_operator(args.username, args.full_name, Role(args.role), password, by=supervisor)
    _print(args, Text(f"Operator {args.username} ditambahkan.", f"Operator {args.username} added."))
    return 0


def cmd_operators_reset_password(args: argparse.Namespace) -> int:
    core = StationCore.open()
    supervisor = _operators_supervisor(core, args)
    password = read_password(args, f"Kata sandi baru untuk / new password for {args.username}: ", confirm=True)
    core.auth.reset_password(args.username, password, by=supervisor)
    _print(
        args,
        Text(
            f"Kata sandi {args.username} diganti; ia harus menggantinya saat masuk berikutnya.",
            f"Password of {args.username} reset; they must change it at their next login.",
        ),
    )
    return 0


def cmd_operators_list(args: argparse.Namespace) -> int:
    core = StationCore.open()
    now = datetime.now(UTC)
    rows = [
        {
            "username": o.username,
            "full_name": o.full_name,
            "role": o.role,
            "active": o.active,
            "locked_until": o.locked_until.isoformat() if o.locked_until and o.locked_until > now else None,
            "failed_attempts": o.failed_attempts,
        }
        for o in core.auth.list()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        lock = f"  TERKUNCI/LOCKED s.d. {r['locked_until']}" if r["locked_until"] else ""
        print(f"{r['username']:<20} {r['role']:<11} {r['full_name']}{lock}")
    return 0


def cmd_operators_lock(args: argparse.Namespace) -> int:
    core = StationCore.open()
    core.auth.set_lock(args.username, args.locked, by=_operators_supervisor(core, args))
    done = Text("dikunci", "locked") if args.locked else Text("dibuka", "unlocked")
    _print(args, Text(f"Operator {args.username} {done.id}.", f"Operator {args.username} {done.en}."))
    return 0


def _pick_operator(core: StationCore, username: str | None) -> User:
    ops = [o for o in core.auth.list() if o.active]
    if username is not None:
        ops = [o for o in ops if o.username == username]
        if not ops:
            raise ValidationError(Text(f"Operator {username} tidak ada.", f"No operator {username}."))
    else:
        ops = [o for o in ops if o.role == Role.SUPERVISOR.value]
    if not ops:
        raise AuthError(Text("Tidak ada supervisor aktif.", "There is no active supervisor."))
    o = ops[0]
    return User(o.username, o.full_name, Role(o.role))


def cmd_enroll_synthetic(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 10_000_000:
        raise ValidationError(Text("--count harus 1 sampai 10.000.000.", "--count must be 1 to 10,000,000."))
    if not 1 <= args.batch <= 10_000:
        raise ValidationError(Text("--batch harus 1 sampai 10.000.", "--batch must be 1 to 10,000."))
    core = StationCore.open()
    from station.enrollment_rules import require_may_start

    operator = _pick_operator(core, args.operator)
    require_may_start(core, operator)  # the app's rule: role and the hard offline limits
    supervisors = [o for o in core.auth.list() if o.active and o.role == Role.SUPERVISOR.value]
    approver = User(supervisors[0].username, supervisors[0].full_name, Role.SUPERVISOR) if supervisors else operator

    def progress(fraction: float | None, message: str) -> None:
        print(f"\r{message}", end="", file=sys.stderr, flush=True)

    report = enroll_synthetic(
        core, args.count, seed=args.seed, operator=operator, approver=approver, batch=args.batch, progress=progress
    )
    print(file=sys.stderr)
    _print(
        args,
        Text(
            f"{report.count} rekaman sintetis disegel dalam {report.seconds:.1f} d ({report.per_second:.0f}/d): "
            f"{report.first_reg} .. {report.last_reg}",
            f"{report.count} synthetic records sealed in {report.seconds:.1f} s ({report.per_second:.0f}/s): "
            f"{report.first_reg} .. {report.last_reg}",
        ),
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    core = StationCore.open()
    s = status_dict(core)
    s["devices"] = devices_status(core, args.lang)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    en = args.lang == "en"
    print(f"{'Station' if en else 'Stasiun'}: {s['station']['code']} {s['station']['name']}  ({s['data_dir']})")
    for state, n in sorted(s["counts"].items()):
        print(f"  {state:<12} {n}")
    oldest = s["oldest_unsynced"]
    if oldest:
        label = "Oldest unsynced" if en else "Tertua belum terkirim"
        print(f"{label}: {oldest['reg_no']} ({oldest['age_hours']} h)")
    sync = s["sync"]
    eta = sync["backlog_eta_s"]
    eta_text = "-" if eta is None else f"{eta // 60} min"
    print(
        f"{'Link' if en else 'Jaringan'}: {sync['link_state']}"
        + (f" ({sync['last_error']})" if sync["last_error"] else "")
        + f"; {'pending' if en else 'menunggu'} {sync['pending_records']} ({sync['pending_bytes'] / 1e6:.1f} MB, ETA {eta_text})"
        + f"; {'last sync' if en else 'sinkron terakhir'} {sync['last_success_at'] or '-'}"
        + f"; {'central has up to' if en else 'pusat lengkap s.d.'} #{sync['central_watermark']}"
        + (f", {'missing' if en else 'hilang'} {sync['central_gaps']}" if sync["central_gaps"] else "")
    )
    if sync["centre_busy"]:  # station.sync.busy: the centre answered and asked to wait
        print("  " + sync["centre_busy"]["message" if en else "message_id"])
    for lim in s["limits"]:
        print(f"  {'STOP' if lim['level'] == 'block' else 'PERINGATAN / WARNING'}: {lim['message']}")
    for d in s["devices"]:
        sim = (" [SIMULATED]" if en else " [SIMULASI]") if d["simulated"] else ""
        fallback = f" — {d['fallback']}" if d["fallback"] else ""
        last = d["last_selftest"]
        verdict = ""
        if last:
            verdict = (
                f"; {'self-test' if en else 'uji mandiri'} {last['at'][:16]} {'PASS' if last['passed'] else 'FAIL'}"
            )
        print(f"  {d['kind']:<12} {d['driver']} @ {d['port'] or '-'}{sim}{fallback}{verdict}")
    gb = s["disk_free_bytes"] / 1e9
    n = s["disk_enough_for_enrollments"]
    print(
        f"Disk free: {gb:.1f} GB, enough for about {n} more enrollments"
        if en
        else f"Disk kosong: {gb:.1f} GB, cukup untuk sekitar {n} rekaman lagi"
    )
    return 0


def _summary_dict(r: RecordSummary) -> dict[str, Any]:
    return {
        "reg_no": r.reg_no,
        "uuid": r.uuid,
        "state": r.state,
        "name": r.name,
        "operator": r.operator,
        "created_at": r.created_at.isoformat(),
        "sealed_at": r.sealed_at.isoformat() if r.sealed_at else None,
    }


def cmd_records_find(args: argparse.Namespace) -> int:
    from station.records_view import QueryKind, SearchQuery, check_name_prefix, find_records

    core = StationCore.open()
    if args.nik is not None:
        from station.nik import parse_nik

        parse_nik(args.nik)
        query = SearchQuery(QueryKind.NIK, args.nik.strip())
    elif args.name is not None:
        query = SearchQuery(QueryKind.NAME, check_name_prefix(args.name))
    else:
        query = SearchQuery(QueryKind.REG_NO, args.reg.strip())
    found = find_records(core, query, actor=cli_actor())
    if args.json:
        print(json.dumps([{**_summary_dict(r.summary), "nik_masked": r.nik_masked} for r in found], indent=2))
        return 0
    if not found:
        _print(args, Text("Tidak ditemukan.", "Not found."))
        return 1
    for row in found:
        r = row.summary
        print(f"{r.reg_no or '(draft)':<22} {r.state:<10} {r.name:<40} {_local(r.sealed_at or r.created_at)}")
    return 0


def cmd_records_show(args: argparse.Namespace) -> int:
    from station.records_view import record_view

    core = StationCore.open()
    view = record_view(core, reg_no=args.reg_no, actor=cli_actor())
    if view is None:
        raise ValidationError(
            Text(f"Nomor registrasi {args.reg_no} tidak ditemukan.", f"Registration number {args.reg_no} not found.")
        )
    s = view.summary
    if args.json:
        out = _summary_dict(s)
        out["queue_position"] = view.queue_position
        out["bytes_ahead"] = view.bytes_ahead
        out["eta_s"] = view.eta_s
        out["nik_masked"] = view.nik_masked
        out["timeline"] = [{"state": t.state, "at": t.at.isoformat(), "detail": t.detail} for t in view.timeline]
        out["items"] = [i.__dict__ for i in view.items]
        print(json.dumps(out, indent=2))
        return 0
    print(f"{s.reg_no}  {s.name}  NIK {view.nik_masked}")
    print(f"{'State' if args.lang == 'en' else 'Status'}: {s.state}   operator: {s.operator}")
    if view.queue_position is not None:
        eta_s = view.eta_s
        eta = "-" if eta_s is None else f"{eta_s // 60} min {eta_s % 60} s"
        en = args.lang == "en"
        print(f"{'Queue position' if en else 'Antrean ke'}: {view.queue_position}   ETA: {eta}")
    for t in view.timeline:
        print(f"  {_local(t.at)}  {t.state:<12} {t.detail}")
    return 0


def cmd_db_check(args: argparse.Namespace) -> int:
    core = StationCore.open()
    results = run_all(core.db, core.key)
    ok = all(r.passed for r in results)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [r.__dict__ for r in results]}, indent=2))
    else:
        for r in results:
            print(f"{'PASS' if r.passed else 'FAIL'}  {r.name:<20} {r.detail}")
            for p in r.problems:
                print(f"        - {p}")
    return 0 if ok else 1
