"""The rogue-centre suite (issue 11): a fake centre answers "received" to everything.

Before issue 11, a server answering at the central URL with `receipt_id: FORGED` made
every record PRINT_READY, and with `retention_days = 0` every packet file was deleted.
Now, after each forgery below (unsigned, signed by another key, about another station,
record, sequence number or packet, altered, malformed, huge, deep, replayed, forged
refusals and forged reconcile answers): nothing is marked received or rejected, no
packet file is deleted, the error is named (`sync.untrusted_answer` on the record and
in the station's sync status), the run ends normally, and the worker then carries on
against the real centre (`station-central serve`, testing/harness.py) and delivers
every record exactly once, with a receipt proof that verifies.

All traffic is on 127.0.0.1 (ephemeral ports); every run is bounded in time.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from station.config import save_config
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.sync.packets import packet_path
from station.sync.service import apply_retention, export_pending, make_worker
from station.sync.trust import ReceiptVerifier
from store.models import Enrollment
from store.outbox import AT_CENTRE, EXPORTED, PENDING, REJECTED, Outbox
from testing.checker import check
from testing.harness import CentralServer, central_here, join, station_env
from testing.rogue_centre import FORGERIES, Forgery, RogueCentre, statement
from tests.conftest import SUPERVISOR_PASSWORD
from wire.keys import load_ed25519_private

UNTRUSTED = "sync.untrusted_answer"
RECEIPT_KEY_FILE = Path("keys") / "central_receipt_ed25519.key"


@pytest.fixture
def real(core: StationCore, server: CentralServer) -> StationCore:
    """A station joined to the real centre, keeping no packet once received (retention 0)."""
    join(core, server)
    core.config.sync.retention_days = 0
    core.config.sync.backoff_base_s = 0.05
    core.config.sync.backoff_cap_s = 0.2
    save_config(core.config, core.home)
    return core


def point_at(core: StationCore, url: str) -> None:
    core.config.central_url = url
    save_config(core.config, core.home)


@pytest.fixture
def rogue_for(real: StationCore, server: CentralServer) -> Iterator[object]:
    started: list[RogueCentre] = []

    def make(forgery: Forgery) -> RogueCentre:
        key = load_ed25519_private(server.home / RECEIPT_KEY_FILE)
        rogue = RogueCentre(real.station().code, forgery, real_key=key).start()
        started.append(rogue)
        point_at(real, rogue.url)
        return rogue

    yield make
    for r in started:
        r.stop()


class _LongestWait(random.Random):
    """Backoff jitter that always waits the longest it may."""

    def uniform(self, a: float, b: float) -> float:
        return b


def run_once(core: StationCore) -> list[str]:
    """One pass of the worker (as `station sync --once`), then retention; the errors."""
    worker = make_worker(core)
    # One pass tries each record once. With the jittered backoff a retry is drawn from
    # [0, 2 s]; one short enough to fall due within the pass would retry by another path
    # (register after an ambiguous end), so the outcome would depend on the draw.
    worker.backoff.rng = _LongestWait()
    try:
        summary = worker.run(until_idle=True, timeout_s=30)
    finally:
        worker.client.close()
    apply_retention(core)
    return summary.errors


def rows(core: StationCore) -> list[tuple[str, str, str | None, str | None]]:
    with core.db.read() as s:
        return [
            (u, st, err, proof)
            for u, st, err, proof in s.execute(
                select(Enrollment.uuid, Enrollment.state, Enrollment.last_error, Enrollment.receipt_proof)
                .where(Enrollment.station_seq.is_not(None))
                .order_by(Enrollment.station_seq)
            )
        ]


def assert_nothing_believed(core: StationCore, uuids: list[str], *, pending_states: tuple[str, ...]) -> None:
    for uuid, state, _err, proof in rows(core):
        assert state in pending_states, f"{uuid} became {state} on a forged answer"
        assert proof is None
        assert packet_path(core.home, uuid).exists(), "a packet file was deleted on a forged answer"
    assert {u for u, *_ in rows(core)} == set(uuids)
    with core.db.read() as s:
        receipts = s.scalars(select(Enrollment.receipt_id).where(Enrollment.receipt_id.is_not(None))).all()
    assert receipts == [], "a forged receipt id was stored"
    assert Outbox(core.db).info()["last_error"] == UNTRUSTED


def assert_delivered_once(core: StationCore, server: CentralServer) -> None:
    """Against the real centre: every record received once, in order, with a proof that
    verifies now; then retention (0 days) deletes exactly their packet files."""
    point_at(core, server.url)
    worker = make_worker(core)
    worker.force()
    try:
        summary = worker.run(until_idle=True, wait_for_retry=True, timeout_s=60)
    finally:
        worker.client.close()
    assert UNTRUSTED not in " ".join(summary.errors)
    got = rows(core)
    assert all(state in AT_CENTRE for _, state, _, _ in got), got
    verifier = ReceiptVerifier.load(core.home, core.station().code)
    outbox = Outbox(core.db)
    for uuid, *_ in got:
        rec = outbox.get(uuid)
        assert rec is not None and verifier.check_proof(rec.receipt_proof, rec) is not None
    v = check(core, server.report())
    assert v.failures == 0, v.lines()
    assert v.received == v.sealed == len(got)
    kept = [u for u, *_ in got if packet_path(core.home, u).exists()]
    assert apply_retention(core) == len(kept)
    assert not any(packet_path(core.home, u).exists() for u, *_ in got)


def seal(core: StationCore, supervisor, count: int, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    enroll_synthetic(core, count, seed=seed, operator=supervisor, approver=supervisor)
    return [u for u, *_ in rows(core)]


def receipt_forgeries() -> list[Forgery]:
    return [f for f in FORGERIES if f.name != "replayed"]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("forgery", receipt_forgeries(), ids=lambda f: f.name)
def test_a_forged_receipt_changes_nothing_and_the_real_centre_then_gets_everything_once(
    real, server, rogue_for, supervisor, forgery
):
    uuids = seal(real, supervisor, 2, seed=61)
    rogue = rogue_for(forgery)
    errors = run_once(real)
    assert any(m in ("PATCH", "POST") and "/uploads/" in t for m, t in rogue.requests), "the commit was not tried"
    assert any(UNTRUSTED in e for e in errors), errors
    assert_nothing_believed(real, uuids, pending_states=PENDING)
    head = Outbox(real.db).head()
    assert head is not None and head.last_error == UNTRUSTED and head.next_attempt_at is not None  # backoff
    assert_delivered_once(real, server)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("claim", ["received", "refused"])
@pytest.mark.parametrize("name", ["unsigned", "other_key", "wrong_hash", "other_station", "not_json"])
def test_a_forged_register_answer_neither_receives_nor_rejects(real, server, rogue_for, supervisor, claim, name):
    """`already received` or `refused for good` (422 with a verdict) at registration."""
    uuids = seal(real, supervisor, 2, seed=62)
    rogue = rogue_for(next(f for f in FORGERIES if f.name == name))
    rogue.register_says = claim
    errors = run_once(real)
    assert any(UNTRUSTED in e for e in errors), errors
    assert_nothing_believed(real, uuids, pending_states=PENDING)
    assert not any(state == REJECTED for _, state, _, _ in rows(real))
    assert_delivered_once(real, server)


@pytest.mark.timeout(180)
def test_a_replayed_genuine_receipt_of_record_one_does_not_receive_record_two(real, server, rogue_for, supervisor):
    first = seal(real, supervisor, 1, seed=63)[0]
    point_at(real, server.url)
    assert run_once(real) == []
    genuine = Outbox(real.db).get(first)
    assert genuine is not None and genuine.state in AT_CENTRE and genuine.receipt_proof
    uuids = seal(real, supervisor, 3, seed=64)[1:]
    rogue = rogue_for(next(f for f in FORGERIES if f.name == "replayed"))
    rogue.replay = json.loads(genuine.receipt_proof)
    errors = run_once(real)
    assert any(UNTRUSTED in e for e in errors), errors
    for uuid, state, _err, proof in rows(real):
        if uuid == first:
            continue
        assert uuid in uuids and state in PENDING and proof is None
        assert packet_path(real.home, uuid).exists()
    assert_delivered_once(real, server)


RECONCILE_BODIES = {
    # the issue's crash: `station sync` ended with KeyError, exit 70
    "receipt_without_keys": lambda uuids: {
        "records": [{"uuid": u, "state": "received", "receipt": {}} for u in uuids],
        "watermark": 5,
        "gaps": [],
    },
    "entries_not_objects": lambda uuids: {"records": [1, "x", None], "watermark": "all", "gaps": {}},
    "v1_receipts": lambda uuids: {
        "records": [
            {"uuid": u, "state": "received", "downstream": "PRINT_READY", "receipt": {"receipt_id": "FORGED"}}
            for u in uuids
        ],
        "watermark": 99,
        "gaps": [],
    },
}


def export_all(core: StationCore, folder: Path) -> list[str]:
    export_pending(core, folder, supervisor=core.auth.login("spv", SUPERVISOR_PASSWORD))
    return [u for u, state, *_ in rows(core) if state == EXPORTED]


def import_at_real_centre(server: CentralServer, folder: Path) -> None:
    """`station-central import` in this process (the command's own code, without a new
    interpreter: a second a call on a busy machine); tests/sync/test_sync_e2e.py runs
    the command in a process of its own."""
    result = central_here(server.home, "import", str(folder))
    assert result.returncode == 0, result.stderr


@pytest.mark.timeout(180)
@pytest.mark.parametrize("says", ["received", "rejected", "print_ready"])
@pytest.mark.parametrize("name", ["unsigned", "other_key", "wrong_hash", "other_station", "altered_after_signing"])
def test_a_forged_reconcile_claim_changes_nothing(real, server, rogue_for, supervisor, tmp_path, says, name):
    """Hand-carried records wait for reconcile to learn their fate: forged claims of
    received, rejected or PRINT_READY are not believed; the real centre's are."""
    seal(real, supervisor, 2, seed=65)
    folder = tmp_path / "usb"
    uuids = export_all(real, folder)
    rogue = rogue_for(next(f for f in FORGERIES if f.name == name))
    rogue.reconcile_says = says
    errors = run_once(real)
    assert ("POST", "/v1/stations/320412-01/reconcile") in rogue.requests
    assert UNTRUSTED in errors, errors
    assert_nothing_believed(real, uuids, pending_states=(EXPORTED,))
    assert all(err == UNTRUSTED for _, _, err, _ in rows(real))
    assert Outbox(real.db).info()["watermark"] == 0  # the unsigned watermark is not taken
    import_at_real_centre(server, folder)
    assert_delivered_once(real, server)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", [*RECONCILE_BODIES, "not_json", "huge", "deep"])
def test_a_malformed_reconcile_answer_is_named_and_the_command_exits_normally(
    real, server, rogue_for, supervisor, tmp_path, name
):
    """`station sync --once` in its own process, as a supervisor would run it: before
    issue 11 a reconcile receipt without its keys ended it with KeyError, exit 70."""
    seal(real, supervisor, 2, seed=66)
    folder = tmp_path / "usb"
    uuids = export_all(real, folder)
    if name in RECONCILE_BODIES:
        forgery = Forgery(name, body=json.dumps(RECONCILE_BODIES[name](uuids)).encode())
    else:
        forgery = next(f for f in FORGERIES if f.name == name)
    rogue_for(forgery)
    done = subprocess.run(
        [sys.executable, "-m", "station.cli.main", "sync", "--once", "--json"],
        env=station_env(real.home),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert UNTRUSTED in json.loads(done.stdout)["errors"]
    assert_nothing_believed(real, uuids, pending_states=(EXPORTED,))
    import_at_real_centre(server, folder)
    assert_delivered_once(real, server)


def test_the_rogue_answers_like_the_issue_describes(real, rogue_for, supervisor):
    """The suite's premise: this rogue is the attack of the issue (every record
    "received" with receipt id FORGED), so a station that believed it would lose them."""
    seal(real, supervisor, 1, seed=67)
    rogue = rogue_for(FORGERIES[0])
    run_once(real)
    rec = next(iter(rogue.records.values()))
    assert rogue.verdict(rec)["receipt_id"] == "FORGED"
    assert statement(rogue, rec)["receipt_id"] == "FORGED"
