"""Three receiver processes on one database behind a round-robin proxy, stations syncing
through it at once, and kill -9 of random nodes while they do: the ledger check finds
0 lost, duplicated, corrupted, reordered or falsely acknowledged records.

Real parts only: `station-central serve` subprocesses sharing one home (for its keys;
packets, partial uploads and locks are in the database) and one database (the SQLite file, or
a fresh PostgreSQL schema when CENTRAL_TEST_PG_URL is set), real station homes with the
real sync worker, HTTP on 127.0.0.1. Traps:
- Each kill waits for an event (the proxy has carried 6 more receipts: PATCHes answered
  200), never for a time, and every wait has a deadline. The killed node restarts in the
  background, so the kills follow the stations' progress and not the seconds a restart
  takes on a busy machine; two or three nodes may be down at once.
- A shared uplink (testing.fault_proxy's bandwidth cap in front of the round-robin
  proxy) keeps the stations busy long enough for every kill to land while records are
  still on the way; the test asserts that they did, so it cannot pass by coming late.
- A kill can land between a node's commit and its answer: the station then does not
  know, retries on another node, and must get the same receipt (checked: 0 committed
  twice, 0 received twice, and its receipt id is the centre's).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.progress import CancelToken
from station import auth as station_auth
from station.auth import Role, User
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.sync.policy import CircuitBreaker
from station.sync.worker import RunSummary, SyncWorker
from store.outbox import Outbox
from testing.checker import check
from testing.fault_proxy import FaultProxy
from testing.harness import CentralServer, join
from testing.multistation import CHEAP_PASSWORD_HASHER, log_tail, station_homes, sync_worker
from testing.round_robin import RoundRobinProxy

NODES = 3
STATIONS = 5
RECORDS_EACH = 8
KILLS = 4
RECEIPTS_BETWEEN_KILLS = 6  # a PATCH answered 200 carries a record's receipt
SEED = 20261202
UPLINK_BPS = 600_000  # all stations share it: about 40 records in 10 s or more
SPV = User("spv", "Supervisor Uji", Role.SUPERVISOR)


def _worker(core: StationCore, seed: int) -> SyncWorker:
    """A patient station: its breaker never opens, so only the centre's answers pace it."""
    return sync_worker(core, read_timeout_s=5.0, breaker=CircuitBreaker(threshold=1000, cool_down_s=0.5), seed=seed)


@pytest.fixture
def stations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[StationCore]]:
    """Real station homes; their supervisor's password plays no part in syncing, so it is
    hashed with argon2's cheapest settings (a second less per home on a busy machine)."""
    monkeypatch.setattr(station_auth, "_hasher", CHEAP_PASSWORD_HASHER)
    with station_homes(tmp_path, STATIONS, code_prefix="3204") as cores:
        yield cores


def _pending(cores: list[StationCore]) -> int:
    return sum(Outbox(core.db).pending_totals()[0] for core in cores)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_nodes_killed_at_random_while_stations_sync_lose_nothing(
    central_home: Path, db_url: str, stations: list[StationCore], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CENTRAL_DB_URL", db_url)  # every node, and the harness's own commands
    started = time.monotonic()
    log = tmp_path / "central.log"
    nodes = [CentralServer(central_home, downstream_delay=0.0, log=log) for _ in range(NODES)]
    proxy: RoundRobinProxy | None = None
    uplink: FaultProxy | None = None
    threads: list[threading.Thread] = []
    cancel = CancelToken()
    summaries: dict[str, RunSummary] = {}
    restarts: dict[int, threading.Thread] = {}
    try:
        for node in nodes:
            node.start()
        proxy = RoundRobinProxy([("127.0.0.1", node.port) for node in nodes]).start()
        uplink = FaultProxy("127.0.0.1", proxy.port).start()
        uplink.set(bandwidth_bps=UPLINK_BPS)
        for i, core in enumerate(stations):
            join(core, nodes[0], url=uplink.url)
            enroll_synthetic(core, RECORDS_EACH, seed=SEED + 1000 * i, operator=SPV, approver=SPV)
        workers = [_worker(core, SEED + i) for i, core in enumerate(stations)]

        def drain(core: StationCore, worker: SyncWorker) -> None:
            summaries[core.station().code] = worker.run(
                until_idle=True, wait_for_retry=True, timeout_s=90, cancel=cancel
            )

        threads = [
            threading.Thread(target=drain, args=(core, worker), name=f"sync-{core.station().code}")
            for core, worker in zip(stations, workers, strict=True)
        ]
        for thread in threads:
            thread.start()

        rng = random.Random(SEED)
        kills: list[tuple[int, int]] = []  # (node, records still unsent when it died)
        for k in range(KILLS):
            receipts = RECEIPTS_BETWEEN_KILLS * (k + 1)
            assert proxy.wait(lambda c: c.answers.get("PATCH 200", 0) >= receipts, timeout_s=30), (  # noqa: B023
                f"fewer than {receipts} receipts after 30 s; kills so far {kills}; {proxy.counters()}"
            )
            victim = rng.randrange(NODES)
            if victim in restarts:  # it is up again before it dies again
                restarts.pop(victim).join(timeout=60)
            nodes[victim].kill()
            kills.append((victim, _pending(stations)))
            # Restarted beside the next kills: the kills follow the stations' requests,
            # not the seconds a restart takes on a busy machine.
            restarts[victim] = threading.Thread(target=nodes[victim].start, name=f"restart-{victim}")
            restarts[victim].start()
        for restart in restarts.values():
            restart.join(timeout=60)
        assert all(n.proc is not None and n.proc.poll() is None for n in nodes), "a node did not restart"
        assert all(unsent > 0 for _, unsent in kills), f"a kill came after the stations had finished: {kills}"
        assert proxy.counters().cut > 0, "no kill interrupted a request"

        for thread in threads:
            thread.join(timeout=max(1.0, 120 - (time.monotonic() - started)))
        assert not any(t.is_alive() for t in threads), "a station did not drain in time"
        for worker in workers:
            worker.client.close()

        report = nodes[0].report()
        for core in stations:
            verdict = check(core, report)
            assert verdict.failures == 0, (core.station().code, verdict.lines())
            assert verdict.received == verdict.sealed == RECORDS_EACH, (core.station().code, verdict.lines())
            # PRINT_READY comes with the worker's last reconcile, which a kill may cut short
            assert set(core.enrollments.state_counts()) <= {"RECEIVED", "PRINT_READY"}, core.enrollments.state_counts()
        assert report["committed_more_than_once"] == 0
        assert report["received"] == STATIONS * RECORDS_EACH
        counters = proxy.counters()
        statuses = Counter(ex.status for ex in proxy.exchanges())
        assert not [code for code in statuses if code >= 500 and code != 503], f"{statuses}\n{log_tail(log)}"
        print(
            f"multinode: {time.monotonic() - started:.1f} s, kills {kills}, requests per node {counters.requests}, "
            f"connections {counters.connections}, cut mid-request {counters.cut}, skipped {counters.skipped}, "
            f"retries {sum(s.retries for s in summaries.values())}, statuses {dict(statuses)}"
        )
    finally:
        cancel.cancel()
        for thread in [*threads, *restarts.values()]:  # a restart still starting would outlive stop()
            thread.join(timeout=10)
        if uplink is not None:
            uplink.stop()
        if proxy is not None:
            proxy.stop()
        for node in nodes:
            node.stop()
