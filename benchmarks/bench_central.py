"""Centre benchmark: a national surge of stations into W receivers on a real PostgreSQL.

Starts a throwaway PostgreSQL on 127.0.0.1 (testing/postgres.py; durable: fsync and
synchronous_commit on, unless --no-fsync), W `station-central serve` processes on it, and
S simulated stations (testing/loadgen.py: each its own Ed25519 key, registered at the
centre, holding prebuilt real packets of --packet-kb KB) that speak the station's protocol.
Each phase runs on a fresh database and home (same centre keys), so the same prebuilt
packets serve every phase; the database is dropped after the phase's checks and the
kernel's write-back flushed, so no phase pays for the writes of the one before:
1. calibration (skipped with --quick): a short run that sizes how many packets to build;
2. main: --warmup, then --duration s at full offered load (every station sends as fast as
   the centre lets it): records_per_s, commit_p50_ms, commit_p99_ms (the PATCH that carries
   Upload-Commit, client-measured);
3. overload: --overload-factor x as many stations (3 S), every one sending as fast as the
   centre lets it, so three times the demand of the main phase, measured like the main
   phase in the steady state (the window opens after 3 rotations at the peak rate, once
   every station has had its first turn and registered its queue): overload_goodput_ratio =
   their goodput / records_per_s, jain_fairness over stations' delivered records (the
   window is stretched, up to --overload-max, to ~10 records a station: Jain's index over
   counts of 1 or 2 measures luck, not the centre), errors_other_than_backpressure
   (anything but 503 server.busy with Retry-After, or 429, in any phase);
4. exactly_once: `station-central report --json` of every phase's database against the
   receipts the stations verified (testing.loadgen.check_ledger);
5. scaling: records/s at W = 1, 2, 4 (--scaling-duration s each).
Where the time goes, per phase window: CPU seconds of the receivers, PostgreSQL, this
generator and every other process on the machine (`other_processes`: anything above a few
percent means the numbers are noisy), CPU ms per delivered record and per request, and
pg_stat_statements: statements and transactions per record and the statements that took
the most time (lock waits included). With --profile, the receivers' sampled stacks.
Trap: the machine's two cores are shared with the generator and PostgreSQL; the goal of
300 records/s leaves a budget of about 6.7 ms of CPU per record for all three together.

    python benchmarks/bench_central.py [--json] [--stations 500] [--workers 2] [--quick]

Prints one JSON object last; progress goes to stderr (nothing with --json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey  # noqa: E402
from cryptography.hazmat.primitives.serialization import (  # noqa: E402
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from central.settings import Settings  # noqa: E402
from testing.central_nodes import SRC, CpuSnapshot, Receivers, central_env, has_workers_option, start_receivers  # noqa: E402
from testing.loadgen import PhaseLog, SimStation, build_station_packets, check_ledger, run_stations  # noqa: E402
from testing.postgres import PostgresCluster, postgres_cluster  # noqa: E402

PACKET_MEMORY_SHARE = 0.6  # of the memory available at the start, for prebuilt packets
SESSION_RECORDS = Settings().session_records  # records per turn while others wait (central.gate)
GOALS = {"records_per_s": 300, "overload_goodput_ratio": 0.9, "jain_fairness": 0.9, "errors_other_than_backpressure": 0}
ADD_STATIONS = """
import json, sys
from datetime import UTC, datetime
from central.settings import Settings
from central.receiver import Receiver
from central.stations import add_station
r = Receiver(Settings(home=__import__("pathlib").Path(sys.argv[1]), db_url=sys.argv[2]), create=False)
try:
    for code, pem in json.load(open(sys.argv[3])):
        add_station(r.engine, code, pem.encode(), name="bench", now=datetime.now(UTC))
finally:
    r.close()
"""


class Bench:
    def __init__(self, args: argparse.Namespace, pg: PostgresCluster, tmp: Path, say: Callable[..., None]) -> None:
        self.args, self.pg, self.tmp, self.say = args, pg, tmp, say
        self.env = central_env(args.centre_src)
        self.profile_env = central_env(args.centre_src, tmp / "profile") if args.profile else self.env
        self.workers_option = not args.separate_processes and has_workers_option(self.env)
        self.keys_home = tmp / "keys-home"
        self._central("init", home=self.keys_home, db=pg.create_database("keys"))
        self.central_raw, self.receipt_key = self._centre_keys()
        self.keys: list[Ed25519PrivateKey] = []
        self.stations: list[SimStation] = []
        self.pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 2)
        self.built_s = 0.0
        # Prebuilt packets live in this process's memory: at most PACKET_MEMORY_SHARE of what
        # the machine has available at the start (a run sized from a fast calibration asked
        # for 24 GB on a 23 GB machine and was killed). Past it, fewer are built and it says so.
        self.packet_budget = int(PACKET_MEMORY_SHARE * _available_memory())
        self.packets_capped = False

    def _central(self, *args: str, home: Path, db: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "central.cli", *args, "--home", str(home), "--db", db],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.env[SRC],
            timeout=600,
        )
        if out.returncode != 0:
            raise RuntimeError(f"station-central {args[0]} failed: {out.stderr.strip()[-2000:]}")
        return out.stdout

    def _centre_keys(self) -> tuple[bytes, Ed25519PublicKey]:
        keys = self.keys_home / "keys"
        packet = load_pem_private_key((keys / "central_x25519.key").read_bytes(), None)
        receipt = load_pem_private_key((keys / "central_receipt_ed25519.key").read_bytes(), None)
        assert isinstance(receipt, Ed25519PrivateKey)
        raw = packet.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)  # type: ignore[union-attr]
        return raw, receipt.public_key()

    # --- packets -------------------------------------------------------------------------

    def ensure_packets(self, count: int, per_station: int) -> None:
        """Stations 0..count-1, each with at least `per_station` packets (built in a pool)."""
        started = time.monotonic()
        while len(self.stations) < count:
            i = len(self.stations)
            self.keys.append(Ed25519PrivateKey.generate())
            self.stations.append(SimStation(i, f"BENCH-{i:05d}", self.keys[-1], []))
        jobs = [(st, per_station - len(st.packets)) for st in self.stations[:count] if len(st.packets) < per_station]
        if not jobs:
            return
        total = sum(n for _, n in jobs)
        size = self.args.packet_kb * 1000
        room = max(0, self.packet_budget - sum(len(st.packets) for st in self.stations) * size) // size
        if total > room:
            self.packets_capped = True
            jobs = [(st, n * room // total) for st, n in jobs]
            jobs = [(st, n) for st, n in jobs if n > 0]
            self.say(f"memory: {room} of the {total} packets asked for fit in the budget")
            total = sum(n for _, n in jobs)
            if not jobs:
                return
        self.say(f"building {total} packets of {self.args.packet_kb} KB for {len(jobs)} stations ...")
        futures = [
            self.pool.submit(
                build_station_packets,
                st.code,
                self.keys[st.index].private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
                self.central_raw,
                len(st.packets) + 1,
                n,
                self.args.packet_kb * 1000,
                self.args.chunk_kb * 1024,
                st.index * 1_000_003 + len(st.packets),
            )
            for st, n in jobs
        ]
        for (st, _), fut in zip(jobs, futures, strict=True):
            st.packets.extend(fut.result())
        self.built_s += time.monotonic() - started

    # --- one phase -----------------------------------------------------------------------

    def phase(self, name: str, *, workers: int, stations: int, warmup: float, seconds: float) -> dict[str, Any]:
        db = self.pg.create_database(name)
        self.pg.query(name, "CREATE EXTENSION pg_stat_statements")
        home = self.tmp / name
        home.mkdir(mode=0o700)
        shutil.copytree(self.keys_home / "keys", home / "keys")
        self._central("init", home=home, db=db)
        pems = [(st.code, _pub_pem(st.key)) for st in self.stations[:stations]]
        (home / "stations.json").write_text(json.dumps(pems))
        added = subprocess.run(
            [sys.executable, "-c", ADD_STATIONS, str(home), db, str(home / "stations.json")],
            env=self.env,
            cwd=self.env[SRC],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if added.returncode != 0:
            raise RuntimeError(f"adding the stations failed: {added.stderr[-2000:]}")
        per_process = stations if self.workers_option else math.ceil(stations / workers)
        max_conn = self.args.max_connections or per_process + 64
        receivers = start_receivers(
            home=home,
            db_url=db,
            workers=workers,
            env=self.profile_env,
            use_workers_option=self.workers_option,
            max_connections=max_conn,
            log_dir=home,
        )
        self.say(f"{name}: {stations} stations, {receivers.mode}, {warmup:.0f} s warm-up + {seconds:.0f} s ...")
        try:
            self.db_stats: dict[str, Any] = {}
            log, cpu = self._drive(name, receivers, self.stations[:stations], warmup, seconds)
            shed = _shed_by_reason(receivers, processes=workers)
        finally:
            receivers.stop()
        result = summarise(log, self.stations[:stations], warmup=warmup, seconds=seconds, started=log.started)
        result.update(workers=workers, receivers=receivers.mode, max_connections_per_process=max_conn, cpu_s=cpu)
        done, asked = max(1, result["records_in_window"]), max(1, result["requests_in_window"])
        result["cpu_ms_per_record"] = {k: round(cpu.get(k, 0.0) * 1000 / done, 1) for k in ("receivers", "postgres")}
        result["cpu_ms_per_request"] = {k: round(cpu.get(k, 0.0) * 1000 / asked, 2) for k in ("receivers", "generator")}
        result["receiver_log_errors"] = _log_errors(home)
        result["shed_by_reason"] = shed  # the receivers' own count (/metrics), warm-up and drain included
        if self.db_stats:
            result["database"] = {
                "statements_per_record": round(self.db_stats.pop("calls") / done, 1),
                "transactions_per_record": round(self.db_stats.pop("transactions") / done, 1),
                **self.db_stats,
            }
        report = json.loads(self._central("report", "--json", home=home, db=db))
        result["ledger"] = check_ledger(report, log)
        result["stored"] = _database_size(self.pg, name)  # beside "database": what the window did
        # The next phase starts on a settled disk: this phase's database dropped (its dirty
        # pages are discarded, not written) and the kernel's write-back flushed. Left, the
        # main phase's gigabytes were still being written during the overload phase, which
        # was billed for them (PostgreSQL at 1.9 ms a record there against 1.1 ms).
        settling = time.monotonic()
        self.pg.drop_database(name)
        os.sync()
        result["settle_s"] = round(time.monotonic() - settling, 1)
        self.say(f"{name}: {json.dumps({k: result[k] for k in ('records_per_s', 'commit_p50_ms', 'errors')})}")
        return result

    def _drive(
        self, name: str, receivers: Receivers, stations: list[SimStation], warmup: float, seconds: float
    ) -> tuple[PhaseLog, dict[str, float]]:
        groups = {"receivers": receivers.pids, "postgres": [self.pg.postmaster_pid()]}
        alone = {"generator": os.getpid()}
        snaps: list[CpuSnapshot] = []
        log = PhaseLog()

        def window_starts() -> None:
            snaps.append(CpuSnapshot.take(groups, alone))
            self.pg.query(name, "SELECT pg_stat_statements_reset()")
            self._xacts = _xacts(self.pg, name)

        def window_ends() -> None:
            snaps.append(CpuSnapshot.take(groups, alone))
            self.db_stats = _statements(self.pg, name, self._xacts)

        async def go() -> None:
            loop = asyncio.get_running_loop()
            loop.call_later(warmup, window_starts)
            loop.call_later(warmup + seconds, window_ends)
            await run_stations(
                stations,
                receivers.targets,
                self.receipt_key,
                seconds=warmup + seconds,
                drain_s=self.args.drain,
                log=log,
            )

        asyncio.run(go())
        cpu = snaps[0].until(snaps[1]) if len(snaps) == 2 else {}
        return log, cpu


def _shed_by_reason(receivers: Receivers, *, processes: int, scrapes: int = 40) -> dict[str, int]:
    """The receivers' 503s by reason and their turn hand-backs, summed over processes
    (/metrics). Each scrape reaches one process of a `--workers` group: scrape until
    every pid has answered (bounded), keeping each process's own counters."""
    import re
    import urllib.request

    per_pid: dict[str, dict[str, int]] = {}
    for i in range(scrapes):
        host, port = receivers.targets[i % len(receivers.targets)]
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as answer:
                text = answer.read().decode()
        except OSError:
            continue
        pid = re.search(r'central_worker_info\{pid="(\d+)"\}', text)
        counts = {
            m.group(1): int(float(m.group(2)))
            for m in re.finditer(r'^central_requests_shed_total\{reason="(\w+)"\} (\S+)$', text, re.M)
        }
        handed = re.search(r"^central_turns_handed_back_total (\S+)$", text, re.M)
        counts["turns_handed_back"] = int(float(handed.group(1))) if handed else 0
        per_pid[pid.group(1) if pid else str(i)] = counts
        if len(per_pid) >= processes:
            break
    total: Counter[str] = Counter()
    for counts in per_pid.values():
        total.update(counts)
    return {k: v for k, v in sorted(total.items()) if v} | {"processes_scraped": len(per_pid)}


def _xacts(pg: PostgresCluster, database: str) -> int:
    rows = pg.query(database, f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{database}'")
    return int(str(rows[0][0]))


def _statements(pg: PostgresCluster, database: str, xacts_before: int) -> dict[str, Any]:
    """What the database did in the window: statements, transactions, the costliest statements."""
    where = f"dbid = (SELECT oid FROM pg_database WHERE datname = '{database}')"
    rows = pg.query(database, f"SELECT sum(calls) FROM pg_stat_statements WHERE {where}")
    top = pg.query(
        database,
        f"SELECT calls, round(total_exec_time::numeric, 1), left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
        f"FROM pg_stat_statements WHERE {where} ORDER BY total_exec_time DESC LIMIT 8",
    )
    return {
        "calls": int(str(rows[0][0] or 0)),
        "transactions": _xacts(pg, database) - xacts_before,
        "top_statements_ms": [[int(str(c)), float(str(t)), str(q)] for c, t, q in top],
    }


def _database_size(pg: PostgresCluster, database: str) -> dict[str, Any]:
    """What the phase left in the database, per received record: the capacity model's
    "database size per million records" (docs/scaling.md), packets included."""
    received = int(str(pg.query(database, "SELECT count(*) FROM records WHERE state = 'received'")[0][0]))
    tables = pg.query(
        database,
        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY 2 DESC",
    )
    total = int(str(pg.query(database, f"SELECT pg_database_size('{database}')")[0][0]))
    sizes = {str(name): int(str(size)) for name, size in tables}
    per_record = round(sum(sizes.values()) / received) if received else None
    return {
        "received": received,
        "table_bytes": sizes,
        "database_bytes": total,
        "bytes_per_received_record": per_record,
        "gb_per_million_records": None if per_record is None else round(per_record * 1e6 / 1e9, 1),
    }


def _pub_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def _log_errors(home: Path) -> int:
    count = 0
    for path in home.glob("serve-*.log"):
        count += sum(
            1 for line in path.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line
        )
    return count


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def jain(values: list[int]) -> float | None:
    if not values or not any(values):
        return None
    return round(sum(values) ** 2 / (len(values) * sum(v * v for v in values)), 3)


def _least_served(
    log: PhaseLog, stations: list[SimStation], per_station: Counter[int], begin: float, end: float
) -> dict[str, Any]:
    """For the tenth of the stations that delivered least in the window: what they were told
    (busy answers in the window, the Retry-After asked) and their deliveries, against the
    rest, to tell a station kept waiting by the centre from one that waited by itself."""
    ranked = sorted(stations, key=lambda st: per_station.get(st.index, 0))
    low = ranked[: max(1, len(ranked) // 10)]

    def told(group: list[SimStation]) -> dict[str, Any]:
        busy = [[a for t, a in log.station_busy.get(st.index, []) if begin <= t <= end] for st in group]
        asked = [a for answers in busy for a in answers]
        return {
            "stations": len(group),
            "delivered_mean": round(statistics.fmean(per_station.get(st.index, 0) for st in group), 2),
            "busy_answers_mean": round(statistics.fmean(len(b) for b in busy), 2),
            "retry_after_mean_s": round(statistics.fmean(asked), 1) if asked else None,
            "retry_after_max_s": max(asked, default=None),
        }

    return {"least_tenth": told(low), "rest": told(ranked[len(low) :])} if len(ranked) > len(low) else told(low)


def _first_served_in(log: PhaseLog, begin: float, end: float) -> int:
    """Stations whose first receipt of the phase came inside the window: their first turn
    (which registers their whole queue) fell in it."""
    first: dict[int, float] = {}
    for t, i in log.deliveries:
        first[i] = min(t, first.get(i, t))
    return sum(1 for t in first.values() if begin <= t <= end)


def summarise(
    log: PhaseLog, stations: list[SimStation], *, warmup: float, seconds: float, started: float
) -> dict[str, Any]:
    begin, end = started + warmup, started + warmup + seconds
    window = [i for t, i in log.deliveries if begin <= t <= end]
    per_station = Counter(window)
    latencies = [ms for t, ms in log.commit_ms if begin <= t <= end]
    dry = sum(1 for st in stations if log.sent_upto.get(st.code, 0) >= len(st.packets))
    return {
        "records_per_s": round(len(window) / seconds, 1),
        "records_in_window": len(window),
        "records_total": len(log.deliveries),
        "commit_p50_ms": _percentile(latencies, 0.50),
        "commit_p99_ms": _percentile(latencies, 0.99),
        "commit_mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "jain_fairness": jain([per_station.get(st.index, 0) for st in stations]),
        "delivered_per_station_mean": round(len(window) / max(1, len(stations)), 2),
        "stations_with_nothing_delivered": sum(1 for st in stations if per_station.get(st.index, 0) == 0),
        "stations_first_served_in_window": _first_served_in(log, begin, end),  # a warm-up too short
        "stations_that_ran_dry": dry,
        "least_served": _least_served(log, stations, per_station, begin, end),
        "backpressure": dict(log.busy),
        "turns_handed_back": log.turns_over,
        "retry_after_p50_s": _percentile(log.retry_after_s, 0.5),
        "retry_after_max_s": max(log.retry_after_s, default=None),
        "station_wait_p50_s": _percentile(log.waits_s, 0.5),
        "errors": dict(log.errors),
        "requests": log.requests,
        "requests_in_window": sum(1 for t in log.request_times if begin <= t <= end),
        "connections_opened": log.connections,
        "warmup_s": warmup,
        "window_s": seconds,
    }


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--stations", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=60.0, help="main phase window, seconds")
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--overload-duration", type=float, default=30.0)
    ap.add_argument("--overload-max", type=float, default=120.0, help="longest overload window, seconds")
    ap.add_argument("--overload-factor", type=int, default=3, help="0 skips the overload phase")
    ap.add_argument("--scaling-duration", type=float, default=20.0)
    ap.add_argument("--scaling", default="1,2,4", help="worker counts for the scaling phases ('' for none)")
    ap.add_argument("--packet-kb", type=int, default=136, help="an enrollment with two irises is ~136 KB")
    ap.add_argument("--chunk-kb", type=int, default=256, help="PATCH size (the station's largest chunk)")
    ap.add_argument("--expect-rate", type=float, default=0.0, help="records/s to build for; 0 = calibrate")
    ap.add_argument("--drain", type=float, default=30.0, help="time for stations to finish their record")
    ap.add_argument("--no-fsync", action="store_true", help="PostgreSQL without fsync/synchronous_commit")
    ap.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another PostgreSQL setting (repeatable)",
    )
    ap.add_argument("--separate-processes", action="store_true", help="W serve processes even if --workers exists")
    ap.add_argument("--max-connections", type=int, default=0, help="per serve process; 0 = its stations + 64")
    ap.add_argument("--profile", action="store_true", help="sample the receivers' stacks (adds their CPU)")
    ap.add_argument("--centre-src", type=Path, default=ROOT, help="source tree the receivers run")
    ap.add_argument("--quick", action="store_true", help="a smoke run of about a minute")
    args = ap.parse_args()
    if args.quick:
        args.stations, args.duration, args.warmup = min(args.stations, 20), 8.0, 2.0
        args.overload_duration, args.overload_max, args.scaling_duration = 6.0, 6.0, 4.0
        args.scaling = "1" if args.scaling == "1,2,4" else args.scaling
        args.expect_rate, args.drain = args.expect_rate or 60.0, 5.0
    return args


def main() -> None:
    args = parse_args()
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    s, w = args.stations, args.workers
    scaling = [int(x) for x in args.scaling.split(",") if x.strip()]
    most_workers = max([w, *scaling])
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="bench-central.") as tmpdir,
        postgres_cluster(
            durable=not args.no_fsync,
            max_connections=60 * most_workers + 40,
            statements=True,
            extra=_pg_settings(args.pg_setting),
        ) as pg,
    ):
        tmp = Path(tmpdir)
        bench = Bench(args, pg, tmp, say)
        try:
            phases: dict[str, dict[str, Any]] = {}
            rate = args.expect_rate
            if not rate:
                bench.ensure_packets(s, math.ceil(600 * 12 / s) + 2)
                phases["calibration"] = bench.phase("calibration", workers=w, stations=s, warmup=2, seconds=10)
                rate = max(60.0, 1.25 * phases["calibration"]["records_per_s"])  # the main phase runs longer
            span = args.warmup + args.duration
            bench.ensure_packets(s, math.ceil(1.6 * rate * span / s) + 2)  # turns make shares unequal
            main_ = phases["main"] = bench.phase(
                "main", workers=w, stations=s, warmup=args.warmup, seconds=args.duration
            )
            peak = max(main_["records_per_s"], 1.0)
            over: dict[str, Any] | None = None
            over_s = s * args.overload_factor
            if over_s:
                # Jain's index over small counts measures luck: long enough for ~10 records a station
                longest = max(args.overload_duration, args.overload_max)
                over_t = min(max(args.overload_duration, 10 * over_s / peak), longest)
                # the steady state, as in the main phase: the window opens once every station
                # has had its first turn (and registered its queue: a one-off surge of work).
                # The first rotation is the slowest (the flood's places, each first turn a
                # registration of the whole queue): 1.5 rotations at the peak rate left about
                # half the stations' first turns in the window, 3 leave a few
                over_warm = max(args.warmup, 3 * over_s * SESSION_RECORDS / peak)
                bench.ensure_packets(over_s, max(8, math.ceil(2.0 * peak * (over_warm + over_t) / over_s) + 2))
                over = phases["overload"] = bench.phase(
                    "overload", workers=w, stations=over_s, warmup=over_warm, seconds=over_t
                )
            scaled: dict[str, float] = {}
            for n in scaling:
                bench.ensure_packets(s, math.ceil(1.3 * rate * max(1.0, n / w) * (5 + args.scaling_duration) / s) + 2)
                ph = phases[f"scaling_w{n}"] = bench.phase(
                    f"scaling_w{n}", workers=n, stations=s, warmup=5, seconds=args.scaling_duration
                )
                scaled[str(n)] = ph["records_per_s"]
        finally:
            bench.pool.shutdown()
        profile = _profiles(tmp / "profile") if args.profile else None
    errors = sum(sum(ph["errors"].values()) for ph in phases.values())
    result: dict[str, Any] = {
        "records_per_s": main_["records_per_s"],
        "commit_p50_ms": main_["commit_p50_ms"],
        "commit_p99_ms": main_["commit_p99_ms"],
        "overload_goodput_ratio": round(over["records_per_s"] / peak, 3) if over else None,
        "jain_fairness": over["jain_fairness"] if over else None,
        "jain_delivered_per_station_mean": over["delivered_per_station_mean"] if over else None,
        "errors_other_than_backpressure": errors,
        "exactly_once": all(ph["ledger"]["ok"] for ph in phases.values()),
        "scaling": scaled,
    }
    cpu = main_.get("cpu_s") or {}
    # CPU share of the whole machine that went to processes outside the benchmark: above a
    # few percent, other work was competing for the cores and every figure is a lower bound
    result["noise_other_processes_share"] = round(
        cpu.get("other_processes", 0.0) / max(1e-9, cpu.get("wall_s", 0.0) * (os.cpu_count() or 1)), 3
    )
    result["goals_met"] = {
        "records_per_s": result["records_per_s"] >= GOALS["records_per_s"],
        "overload_goodput_ratio": (result["overload_goodput_ratio"] or 0) >= GOALS["overload_goodput_ratio"],
        "jain_fairness": (result["jain_fairness"] or 0) >= GOALS["jain_fairness"],
        "errors_other_than_backpressure": errors == 0,
        "exactly_once": result["exactly_once"],
    }
    sizes = [p.size for st in bench.stations for p in st.packets[:3]]
    result["config"] = {
        "cores": os.cpu_count(),
        "stations": s,
        "overload_stations": s * args.overload_factor,
        "overload_offered": f"{args.overload_factor}x the main phase's stations, each as fast as the centre lets it",
        "workers": w,
        "receivers": main_["receivers"],
        "packet_bytes_mean": round(statistics.fmean(sizes)) if sizes else None,
        "chunk_bytes": args.chunk_kb * 1024,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "overload_duration_s": over["window_s"] if over else None,
        "scaling_duration_s": args.scaling_duration,
        "postgres": {"durable": not args.no_fsync, **pg.settings},
        "quick": args.quick,
        "packets_built": sum(len(st.packets) for st in bench.stations),
        "packets_capped_by_memory": bench.packets_capped,  # then see each phase's stations_that_ran_dry
        "packet_build_s": round(bench.built_s, 1),
        "total_s": round(time.monotonic() - started, 1),
        "centre_src": str(args.centre_src),
    }
    result["goals"] = {k: (f">= {v}" if k != "errors_other_than_backpressure" else "0") for k, v in GOALS.items()}
    result["phases"] = phases
    if profile is not None:
        result["profile"] = profile
    print(json.dumps(result))


def _pg_settings(pairs: list[str]) -> dict[str, str]:
    """`--pg-setting NAME=VALUE` pairs, each a plain setting name."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[a-z_]{1,63}", name.strip()) or not value.strip():
            raise SystemExit(f"--pg-setting {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _available_memory() -> int:
    """MemAvailable from /proc/meminfo, in bytes (Linux); 8 GiB if it cannot be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 1024**3


def _profiles(folder: Path) -> dict[str, Any]:
    """The receivers' sampled stacks, summed over processes: the top leaves and project frames."""
    leaf: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = 0
    for path in folder.glob("profile-*.json"):
        data = json.loads(path.read_text())
        busy += data["busy_samples"]
        leaf.update(dict(data["leaf"]))
        own.update(dict(data["project"]))
    share = (lambda n: round(n / busy, 3)) if busy else (lambda n: 0.0)
    return {
        "busy_samples": busy,
        "top_leaf_functions": [(k, share(v)) for k, v in leaf.most_common(15)],
        "top_project_frames": [(k, share(v)) for k, v in own.most_common(15)],
    }


if __name__ == "__main__":
    main()
