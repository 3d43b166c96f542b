"""Sync benchmark: synthetic enrollments through the fault proxy shaped like a 2G link.

The link is 32 000 bytes/s each way with a 600 ms round trip (300 ms each way). Prints
one JSON object last with: records, packet_bytes_per_record, wire_bytes_per_record
(every byte the station sent through the proxy / records; goal <= 100 000),
goodput_ratio (packet bytes / (link bytes per second x elapsed); goal >= 0.85),
records_per_hour, and, with the link cut every 30 s, resume_goodput_ratio for this
client beside whole_file_goodput_ratio for a client that re-posts the whole packet
after each cut, both measured in the same run. Both pipeline the same way (the next
record's bytes written while the previous record's receipt is awaited, with
Upload-Commit-After), so the pair isolates what resuming saves.

    python benchmarks/bench_sync.py [--json] [--records 20] [--cut-records 20]

Everything runs on 127.0.0.1 (the receiver, the proxy, the station).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station.auth import Role, User  # noqa: E402
from station.core import StationCore  # noqa: E402
from station.enroll_synthetic import enroll_synthetic  # noqa: E402
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
CUT_EVERY_S = 30.0


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


def run_ours(core: StationCore, timeout_s: float) -> float:
    worker = SyncWorker(
        home=core.home,
        outbox=Outbox(core.db),
        client=client(core),
        backoff=Backoff(base_s=0.2, cap_s=2.0),
        breaker=CircuitBreaker(threshold=100, cool_down_s=1.0),
    )
    started = time.monotonic()
    worker.run(until_idle=True, wait_for_retry=True, timeout_s=timeout_s, reconcile_every_s=1e9)
    elapsed = time.monotonic() - started
    worker.client.close()
    assert Outbox(core.db).pending_totals()[0] == 0, "the run did not drain the queue"
    return elapsed


def run_whole_file(core: StationCore, timeout_s: float) -> float:
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
            raise AssertionError("the whole-file client ran out of time")
    elapsed = time.monotonic() - started
    c.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--records", type=int, default=20)
    ap.add_argument("--cut-records", type=int, default=20)
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
            elapsed = run_ours(core, timeout_s=3600)
            wire = proxy.counters().bytes_from_client
            result: dict[str, object] = {
                "records": args.records,
                "packet_bytes_per_record": round(total_packet / args.records),
                "wire_bytes_per_record": round(wire / args.records),
                "goodput_ratio": round(total_packet / (LINK_BPS * elapsed), 3),
                "records_per_hour": round(args.records / elapsed * 3600),
                "elapsed_s": round(elapsed, 1),
            }
            ours = make_station(root, "320412-02", server, proxy, args.cut_records)
            naive = make_station(root, "320412-03", server, proxy, args.cut_records)
            proxy.cut_every(CUT_EVERY_S)
            for name, core_, run in (("resume", ours, run_ours), ("whole_file", naive, run_whole_file)):
                size = packet_bytes(core_)
                proxy.reset_counters()
                say(f"link cut every {CUT_EVERY_S:.0f} s: {name} client, {args.cut_records} records ...")
                seconds = run(core_, 3600)
                result[f"{name}_goodput_ratio"] = round(size / (LINK_BPS * seconds), 3)
                result[f"{name}_elapsed_s"] = round(seconds, 1)
                result[f"{name}_cuts"] = proxy.counters().faults.get("periodic_cut", 0)
                result[f"{name}_wire_bytes"] = proxy.counters().bytes_from_client
            result["link"] = {"bytes_per_s_each_way": LINK_BPS, "rtt_s": 2 * ONE_WAY_S}
            result["goals"] = {"wire_bytes_per_record": "<= 100000", "goodput_ratio": ">= 0.85"}
        finally:
            proxy.stop()
            server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
