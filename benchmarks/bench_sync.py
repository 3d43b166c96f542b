"""Sync benchmark: synthetic enrollments through the fault proxy shaped like 2G and VSAT links.

The 2G link is 32 000 bytes/s each way with a 600 ms round trip (300 ms each way). Prints
one JSON object last with: records, packet_bytes_per_record, wire_bytes_per_record
(every byte the station sent through the proxy / records; goal <= 100 000),
goodput_ratio (packet bytes / (link bytes per second x elapsed); goal >= 0.95),
records_per_hour; vsat_goodput_ratio the same on a 1 000 000 bit/s link with a 700 ms
round trip (goal >= 0.9); and cut_sweep: for a 2G link that aborts every open
connection every 1, 2, 5, 10 and 30 s, the goodput of this client and of a whole-file
client (re-posts the whole packet after each cut), each beside the physical bound for
that pattern: the bytes the link could carry between cuts, minus one round trip per
reconnect, (T - RTT) / T of the link. Goodput there counts the bytes the centre holds
verified when the time budget ends (received records, and the confirmed prefix of the
record under way), so a client that never finishes a record scores 0, not "no result".
Both clients pipeline the same way (the next record's bytes written while the previous
record's receipt is awaited, with Upload-Commit-After), so each pair isolates what
resuming with adaptive chunks saves. Elapsed times run from the start of the sync run
(so they include the batch registration before the first byte) to the last record's
verified receipt; `run_*` figures also count the reconcile the run makes after it (one
more round trip, which delivers nothing). vsat_cold_* is a fresh station that has not
measured its link yet; vsat_* the same station's next batch, as a station that syncs
all day sends it.

    python benchmarks/bench_sync.py [--json] [--records 20] [--sweep-records 6] [--sweep-budget 60]

Everything runs on 127.0.0.1 (the receiver, the proxy, the station).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station.auth import Role, User  # noqa: E402
from station.core import StationCore  # noqa: E402
from station.enroll_synthetic import enroll_synthetic  # noqa: E402
from station.events import Change  # noqa: E402
from station.sync.client import CentralClient, PatchHandle  # noqa: E402
from station.sync.errors import SyncError  # noqa: E402
from station.sync.packets import ensure_signing_key, packet_path  # noqa: E402
from station.sync.policy import Backoff, CircuitBreaker  # noqa: E402
from station.sync.worker import SyncWorker  # noqa: E402
from store.outbox import PENDING, Outbox  # noqa: E402
from testing.fault_proxy import FaultProxy  # noqa: E402
from testing.harness import CentralServer, join  # noqa: E402

LINK_BPS = 32_000
ONE_WAY_S = 0.3
VSAT_BPS = 125_000  # 1 000 000 bit/s
VSAT_ONE_WAY_S = 0.35
CUT_SWEEP_S = (1.0, 2.0, 5.0, 10.0, 30.0)


def make_station(root: Path, code: str, server: CentralServer, proxy: FaultProxy, records: int) -> StationCore:
    core = StationCore.init(
        station_code=code,
        station_name="bench",
        supervisor="spv",
        supervisor_name="Bench",
        password="benchmark-1",
        home=root / code,
    )
    join(core, server, url=proxy.url)
    spv = User("spv", "Bench", Role.SUPERVISOR)
    enroll_synthetic(core, records, seed=int(code[-2:]), operator=spv, approver=spv, batch=50)
    return core


def client(core: StationCore) -> CentralClient:
    return CentralClient(
        core.config.central_url,
        station=core.station().code,
        signing_key=ensure_signing_key(core.home),
        connect_timeout_s=10.0,
        read_timeout_s=20.0,
    )


def packet_bytes(core: StationCore) -> int:
    return sum(r.packet_size or 0 for r in Outbox(core.db).in_states(PENDING, limit=100_000))


def run_ours(core: StationCore, timeout_s: float, *, must_finish: bool = True) -> tuple[float, float]:
    """(seconds until the last record's verified receipt, or the whole run if the queue
    did not drain; seconds of the whole run, with the reconcile after the last receipt)."""
    outbox = Outbox(core.db)
    last_receipt = [0.0]

    def notify(*kinds: Change, record_uuid: str | None = None) -> None:
        rec = outbox.get(record_uuid) if Change.RECEIVED in kinds and record_uuid else None
        if rec is not None and rec.state == "RECEIVED":  # the receipt, not a later downstream result
            last_receipt[0] = time.monotonic()

    worker = SyncWorker(
        home=core.home,
        outbox=outbox,
        client=client(core),
        backoff=Backoff(base_s=0.2, cap_s=2.0),
        breaker=CircuitBreaker(threshold=100, cool_down_s=1.0),
        notify=notify,
    )
    started = time.monotonic()
    worker.run(until_idle=True, wait_for_retry=True, timeout_s=timeout_s, reconcile_every_s=1e9)
    ended = time.monotonic()
    worker.client.close()
    drained = outbox.pending_totals()[0] == 0
    assert drained or not must_finish, "the run did not drain the queue"
    return (last_receipt[0] if drained else ended) - started, ended - started


def delivered_bytes(core: StationCore, server: CentralServer, sizes: dict[str, int]) -> int:
    """Bytes the centre holds verified for this station out of `sizes` (uuid: packet
    size): its received records, and the prefix the centre confirmed of each record
    still under way (the station's upload offset, taken only from the centre's answers)."""
    code = core.station().code
    station = next(s for s in server.report()["stations"] if s["station"] == code)
    received = {r["record_uuid"] for r in station["records"] if r.get("server_seq") is not None}
    outbox = Outbox(core.db)
    total = 0
    for uuid, size in sizes.items():
        rec = outbox.get(uuid)
        total += size if uuid in received else (rec.upload_offset if rec is not None else 0)
    return total


def run_whole_file(core: StationCore, timeout_s: float, *, must_finish: bool = True) -> tuple[float, float]:
    """A client that re-posts the whole packet from byte 0 whenever a transfer breaks.

    It is given the same round-trip savings as ours (batch register, commit with the
    last bytes, the next record's packet written behind the previous one's with
    Upload-Commit-After), so that the comparison isolates what resuming saves.
    """
    c = client(core)
    started = time.monotonic()
    deadline = started + timeout_s
    queue = Outbox(core.db).in_states(PENDING, limit=100_000)
    blobs = {r.uuid: packet_path(core.home, r.uuid).read_bytes() for r in queue}
    while time.monotonic() < deadline:
        try:
            c.register_many(
                [
                    {"uuid": r.uuid, "station_seq": r.station_seq, "sha256": r.packet_sha256, "size": r.packet_size}
                    for r in queue
                ]
            )
            break
        except SyncError:
            time.sleep(0.2)
    suspect: set[str] = set()  # records a broken transfer touched: ask the centre before posting
    behind: PatchHandle | None = None  # the next record's whole packet, written behind the current one's
    for i, rec in enumerate(queue):
        nxt = queue[i + 1].uuid if i + 1 < len(queue) else None
        while time.monotonic() < deadline:
            try:
                if rec.uuid in suspect:  # a broken transfer may hide a commit
                    state = c.register(rec.uuid, rec.station_seq, rec.packet_sha256 or "", len(blobs[rec.uuid]))
                    if state.get("verdict"):  # already received (protocol v2: a signed verdict)
                        break
                    if int(state.get("offset") or 0) >= len(blobs[rec.uuid]):
                        c.commit(rec.uuid)
                        break
                handle, behind = behind, None
                if handle is None:
                    handle = c.send_patch(rec.uuid, 0, blobs[rec.uuid], commit=True)
                if nxt is not None and nxt not in suspect:
                    behind = c.send_patch(nxt, 0, blobs[nxt], commit=True, commit_after=rec.uuid)
                result = c.finish(handle)
                if result.receipt is None:
                    c.commit(rec.uuid)  # deferred: the record before was not committed yet
                break
            except SyncError:
                suspect.add(rec.uuid)
                if behind is not None:
                    with contextlib.suppress(SyncError):  # its own turn asks again
                        c.finish(behind)
                    behind = None
                    suspect.add(str(nxt))
                time.sleep(0.2)
        else:
            if must_finish:
                raise AssertionError("the whole-file client ran out of time")
            break
    elapsed = time.monotonic() - started
    c.close()
    return elapsed, elapsed  # it ends with its last commit (no reconcile)


def sweep(
    root: Path, server: CentralServer, proxy: FaultProxy, records: int, budget_s: float, say: Callable[..., None]
) -> list[dict[str, object]]:
    """Both clients on a 2G link cut every T s, T in CUT_SWEEP_S; each gets `budget_s`."""
    out: list[dict[str, object]] = []
    for n, period in enumerate(CUT_SWEEP_S):
        point: dict[str, object] = {
            "cut_every_s": period,
            "bound_ratio": round(max(0.0, period - 2 * ONE_WAY_S) / period, 3),
        }
        for k, (name, run) in enumerate((("resume", run_ours), ("whole_file", run_whole_file))):
            core = make_station(root, f"320413-{10 * n + k + 10:02d}", server, proxy, records)
            sizes = {r.uuid: r.packet_size or 0 for r in Outbox(core.db).in_states(PENDING, limit=100_000)}
            proxy.reset_counters()
            proxy.cut_every(period)
            say(f"link cut every {period:g} s: {name} client, {records} records, at most {budget_s:g} s ...")
            seconds, _ = run(core, budget_s, must_finish=False)
            proxy.cut_every(None)
            done = delivered_bytes(core, server, sizes)
            point[f"{name}_goodput_ratio"] = round(done / (LINK_BPS * seconds), 3)
            point[f"{name}_delivered_bytes"] = done
            point[f"{name}_elapsed_s"] = round(seconds, 1)
            point[f"{name}_wire_bytes"] = proxy.counters().bytes_from_client
        bound = float(str(point["bound_ratio"]))
        ours = float(str(point["resume_goodput_ratio"]))
        point["resume_of_bound"] = round(ours / bound, 3) if bound else None
        out.append(point)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--records", type=int, default=20)
    ap.add_argument("--sweep-records", type=int, default=6, help="records per client and cut interval")
    ap.add_argument("--sweep-budget", type=float, default=60.0, help="seconds per client and cut interval")
    args = ap.parse_args()
    say = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = CentralServer(root / "central").start()
        proxy = FaultProxy("127.0.0.1", server.port).start()
        try:
            proxy.set(latency_s=ONE_WAY_S, bandwidth_bps=LINK_BPS)
            core = make_station(root, "320412-01", server, proxy, args.records)
            total_packet = packet_bytes(core)
            proxy.reset_counters()
            say(f"shaped link: {args.records} records, {total_packet} packet bytes ...")
            elapsed, run_s = run_ours(core, timeout_s=3600)
            wire = proxy.counters().bytes_from_client
            result: dict[str, object] = {
                "records": args.records,
                "packet_bytes_per_record": round(total_packet / args.records),
                "wire_bytes_per_record": round(wire / args.records),
                "goodput_ratio": round(total_packet / (LINK_BPS * elapsed), 3),
                "run_goodput_ratio": round(total_packet / (LINK_BPS * run_s), 3),
                "records_per_hour": round(args.records / elapsed * 3600),
                "elapsed_s": round(elapsed, 1),
                "run_elapsed_s": round(run_s, 1),
            }
            # VSAT: a fresh station (nothing measured yet), then the same station's next
            # batch (it knows its link from the first, as a station that syncs all day does).
            proxy.set(latency_s=VSAT_ONE_WAY_S, bandwidth_bps=VSAT_BPS)
            vsat = make_station(root, "320412-02", server, proxy, args.records)
            for name in ("vsat_cold", "vsat"):
                size = packet_bytes(vsat)
                say(f"VSAT link ({name}): {args.records} records ...")
                seconds, run_s = run_ours(vsat, timeout_s=3600)
                result[f"{name}_goodput_ratio"] = round(size / (VSAT_BPS * seconds), 3)
                result[f"{name}_run_goodput_ratio"] = round(size / (VSAT_BPS * run_s), 3)
                result[f"{name}_elapsed_s"] = round(seconds, 1)
                if name == "vsat_cold":
                    spv = User("spv", "Bench", Role.SUPERVISOR)
                    enroll_synthetic(vsat, args.records, seed=77, operator=spv, approver=spv, batch=50)
            proxy.set(latency_s=ONE_WAY_S, bandwidth_bps=LINK_BPS)
            result["cut_sweep"] = sweep(root, server, proxy, args.sweep_records, args.sweep_budget, say)
            result["link"] = {"bytes_per_s_each_way": LINK_BPS, "rtt_s": 2 * ONE_WAY_S}
            result["vsat_link"] = {"bytes_per_s_each_way": VSAT_BPS, "rtt_s": 2 * VSAT_ONE_WAY_S}
            result["goals"] = {
                "wire_bytes_per_record": "<= 100000",
                "goodput_ratio": ">= 0.95",
                "vsat_goodput_ratio": ">= 0.9",
                "cut_sweep": "at 2 s: resume >= 0.5 of the bound, whole_file 0; resume >= whole_file at every interval",
            }
        finally:
            proxy.stop()
            server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
