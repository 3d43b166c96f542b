"""`station selftest` and `station sim`: the technician's commands."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable
from typing import Any

from common.errors import ValidationError
from common.text import Text
from devices.base import DEVICE_KIND_LABELS, DeviceKind, SelfTestStep
from station.auth import Authenticated
from station.cli import sign_in
from station.core import StationCore
from station.device_admin import DEVICE_ROLES
from station.selftest import TERMINAL, Terminal, run_selftest


def cmd_selftest(args: argparse.Namespace) -> int:
    core = StationCore.open()
    lang = args.lang
    # With --technician the run is stored under that account, proven by its password
    # (a technician's or a supervisor's); without it, under the OS account ("cli:USER").
    technician: Authenticated | Terminal = TERMINAL
    if args.technician:
        technician = sign_in(core, args, args.technician, *DEVICE_ROLES)
    kinds = [DeviceKind(args.device)] if args.device else list(DeviceKind)

    def live(device: str, step: SelfTestStep) -> None:
        if args.json:
            return
        mark = "LULUS" if step.passed else "GAGAL"
        if lang == "en":
            mark = "PASS" if step.passed else "FAIL"
        print(
            f"{mark:<5} {device:<11} {step.title.get(lang):<34} {step.measured}  "
            f"({'expected' if lang == 'en' else 'diharapkan'}: {step.expected})",
            flush=True,
        )
        if not step.passed and step.remedy is not None:
            code = f" [{step.error_code}]" if step.error_code else ""
            print(f"      -> {step.remedy.get(lang)}{code}", flush=True)

    report = run_selftest(core, technician=technician, kinds=kinds, include_station=args.device is None, on_step=live)
    if args.json:
        print(json.dumps(report.as_dict(lang), indent=2))
    else:
        for d in report.devices:
            label = DEVICE_KIND_LABELS[DeviceKind(d.kind)].get(lang)
            sim = " [SIMULASI / SIMULATED]" if d.selection.get("simulated") else ""
            fallback = f" — {d.fallback.get(lang)}" if d.fallback else ""
            verdict = ("LULUS" if d.passed else "GAGAL") if lang == "id" else ("PASS" if d.passed else "FAIL")
            info = f"{d.info.model} s/n {d.info.serial} fw {d.info.firmware} @ {d.info.port}" if d.info else "-"
            print(f"{verdict:<5} {label}: {info}{sim}{fallback}")
        total = (
            Text("Semua langkah lulus.", "Every step passed.")
            if report.passed
            else Text("Ada langkah yang gagal: lihat perbaikan di atas.", "Some steps failed: see the remedies above.")
        )
        print(total.get(lang))
    return 0 if report.passed else 1


def cmd_sim_sbi(args: argparse.Namespace) -> int:
    """`station sim sbi`: a simulated SBI device service on 127.0.0.1 until interrupted."""
    from devices.sbi import FAULTS, SIM_TYPES
    from devices.sbi.simulator import SbiSimulator, run_forever

    if args.fault and args.fault not in FAULTS:
        raise ValidationError(
            Text(
                f"Gangguan '{args.fault}' tidak dikenal; pilih: {', '.join(FAULTS)}",
                f"Unknown fault '{args.fault}'; choose one of: {', '.join(FAULTS)}",
            )
        )
    if args.type not in SIM_TYPES:
        raise ValidationError(
            Text(
                f"Jenis '{args.type}' tidak dikenal; pilih: {', '.join(SIM_TYPES)}",
                f"Unknown type '{args.type}'; choose one of: {', '.join(SIM_TYPES)}",
            )
        )

    def ready(sim: SbiSimulator) -> None:
        print(sim.url, flush=True)
        fault = f", gangguan/fault {args.fault}" if args.fault else ""
        print(f"SBI simulator [SIMULASI / SIMULATED] {args.type}{fault}; Ctrl-C", file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return run_forever(port=args.port, types=args.type, fault=args.fault or None, on_ready=ready)
    except OSError as exc:
        raise ValidationError(
            Text(
                f"Port {args.port} tidak dapat dipakai: {exc.strerror}",
                f"Port {args.port} cannot be used: {exc.strerror}",
            )
        ) from None


def cmd_sim(args: argparse.Namespace) -> int:
    faults: tuple[str, ...]
    run: Callable[..., Any]
    if args.kind == "sbi":
        return cmd_sim_sbi(args)
    if args.kind == "fingerprint":
        from devices.fingerprint import FAULTS
        from devices.fingerprint import run_forever as run_fp

        faults, run, default_baud = FAULTS, run_fp, 57600
    else:
        from devices.signature import SIM_FAULTS
        from devices.signature import run_forever as run_sig

        faults, run, default_baud = SIM_FAULTS, run_sig, 19200
    if args.fault and args.fault not in faults:
        raise ValidationError(
            Text(
                f"Gangguan '{args.fault}' tidak dikenal; pilih: {', '.join(sorted(faults))}",
                f"Unknown fault '{args.fault}'; choose one of: {', '.join(sorted(faults))}",
            )
        )

    def ready(handle: Any) -> None:
        print(handle.path, flush=True)
        where = f" -> {args.link}" if args.link else ""
        fault = f", gangguan/fault {args.fault}" if args.fault else ""
        print(
            f"simulator {args.kind} @ {args.baud or default_baud} baud{fault}{where}; Ctrl-C",
            file=sys.stderr,
            flush=True,
        )

    # A service manager stops us with SIGTERM: leave as on Ctrl-C, so the symlink goes too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    result = run(link=args.link, baud=args.baud or default_baud, fault=args.fault or None, on_ready=ready)
    return int(result or 0)


def _parse_option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise ValidationError(
            Text(f"Opsi '{text}' harus berbentuk kunci=nilai.", f"Option '{text}' must be key=value.")
        )
    key, value = text.split("=", 1)
    parsed: Any = value
    if value.lower() in ("true", "false"):
        parsed = value.lower() == "true"
    else:
        try:
            parsed = int(value)
        except ValueError:
            try:
                parsed = float(value)
            except ValueError:
                parsed = value
    return key.strip(), parsed


def cmd_devices_set(args: argparse.Namespace) -> int:
    """A device choice rewrites station.toml: a technician's or supervisor's password
    (station.device_admin checks the session and every value, then audits it)."""
    from station.device_admin import save_device_choice

    core = StationCore.open()
    kind = DeviceKind(args.kind)
    options = dict(_parse_option(opt) for opt in args.option or [])
    session = sign_in(core, args, args.technician, *DEVICE_ROLES)
    cfg = save_device_choice(
        core, session, kind, driver=args.driver, port=args.port, baud=args.baud,
        options=options, clear_options=args.clear_options,
    )  # fmt: skip
    print(f"{kind.value}: driver={cfg.driver} port={cfg.port or '-'} baud={cfg.baud or '-'} options={cfg.options}")
    return 0


def cmd_devices_list(args: argparse.Namespace) -> int:
    from station.devices import select_device, selection_dict

    core = StationCore.open()
    rows = [selection_dict(select_device(k, core.config), args.lang) for k in DeviceKind]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        sim = " [SIMULASI / SIMULATED]" if r["simulated"] else ""
        fallback = f" — {r['fallback']}" if r["fallback"] else ""
        print(f"{r['kind']:<12} {r['driver']:<11} {r['port'] or '-'}{sim}{fallback}")
    return 0


def add_parsers(sub: Any) -> None:
    dev = sub.add_parser("devices", help="show or choose the devices").add_subparsers(dest="op", required=True)
    s = dev.add_parser("list", help="which driver and port each device uses (probes ports)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_devices_list)
    s = dev.add_parser("set", help="choose a device's driver, port, baud or options")
    s.add_argument("kind", choices=[k.value for k in DeviceKind])
    s.add_argument("--driver", help="auto, or a driver name such as ef01, ef01-sim, isdv4, opencv")
    s.add_argument("--port", help="device path, socket:// URL, camera index or file")
    s.add_argument("--baud", type=int)
    s.add_argument("--option", action="append", help="driver option key=value (repeatable), e.g. fault=sensor_fault")
    s.add_argument("--clear-options", action="store_true")
    s.add_argument(
        "--technician",
        required=True,
        help="the technician (or supervisor) who makes this choice (asks for the password)",
    )
    s.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    s.set_defaults(func=cmd_devices_set)

    s = sub.add_parser("selftest", help="technician self-test of the devices and the station")
    s.add_argument("--device", choices=[k.value for k in DeviceKind])
    s.add_argument("--json", action="store_true")
    s.add_argument(
        "--technician",
        help="store the run under this technician's or supervisor's account (asks for its password); "
        "without it, under the OS account",
    )
    s.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    s.set_defaults(func=cmd_selftest)
    s = sub.add_parser(
        "sim", help="run a simulated device (a new pseudo-terminal, or an SBI service on 127.0.0.1) until interrupted"
    )
    s.add_argument("kind", choices=["fingerprint", "signature", "sbi"])
    s.add_argument("--port", type=int, default=4501, help="sbi: the port on 127.0.0.1 (0: any free port)")
    s.add_argument("--type", default="all", help="sbi: finger, iris, face or all (one service for all three)")
    s.add_argument("--link", help="also create a symlink to the device at this path")
    s.add_argument("--baud", type=int, default=None)
    s.add_argument("--fault", default=None, help="inject a fault (see the simulator's list)")
    s.set_defaults(func=cmd_sim)
