"""Store benchmark: sealing latency against a bare sqlite3 insert, and look-ups at scale.

Prints one JSON object last with save_p50_ms, save_p99_ms, bare_p99_ms,
save_vs_bare_p99, and at `scale_records` sealed enrollments: open_s, nik_lookup_ms,
name_search_ms, status_counts_ms. Absolute times drift on shared machines; the
ratio against the bare insert measured in the same run is the figure to trust.

    python benchmarks/bench_store.py [--json] [--samples 200] [--scale-records 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from common.biometrics import ALL_ITEM_KINDS, FACE, SIGNATURE, CapturedItem, ItemFormat
from station.core import StationCore
from station.synthetic import synthetic_resident
from store.records import EnrollmentData

TARGETS = {
    "save_p99_ms": 50,
    "save_vs_bare_p99": 3,
    "open_s": 1,
    "nik_lookup_ms": 5,
    "name_search_ms": 50,
    "status_counts_ms": 50,
}


def realistic_items(rng: random.Random, small: bool = False) -> list[CapturedItem]:
    """Face about 40 KB, fingers 5-8 KB each, signature about 3 KB (random bytes: encrypted anyway)."""
    items = []
    for kind in ALL_ITEM_KINDS:
        if small:
            size = 64
        elif kind == FACE:
            size = 40_000
        elif kind == SIGNATURE:
            size = 3_000
        else:
            size = rng.randint(5_000, 8_000)
        items.append(
            CapturedItem(
                kind=kind, format=ItemFormat.PLACEHOLDER, payload=rng.randbytes(size), quality=60.0, simulated=True
            )
        )
    return items


def record(seed: int, rng: random.Random, today: date, small: bool = False) -> EnrollmentData:
    d = synthetic_resident(seed, today).demographics
    return EnrollmentData(
        uuid=str(uuid.UUID(int=rng.getrandbits(128))),
        operator="spv",
        nik=d.nik,
        name=d.nama,
        demographics=d.to_json(),
        items=realistic_items(rng, small),
    )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def make_core(home: Path) -> StationCore:
    return StationCore.init(
        station_code="320412-01",
        station_name="bench",
        supervisor="spv",
        supervisor_name="Bench",
        password="benchmark-1",
        home=home,
    )


def bench_save(home: Path, samples: int) -> dict[str, float]:
    core = make_core(home)
    rng = random.Random(1)
    today = date.today()
    records = [record(i, rng, today) for i in range(samples + 10)]
    save = []
    for i, data in enumerate(records):
        t = time.perf_counter()
        core.enrollments.seal(data, actor="spv")
        if i >= 10:  # warm-up
            save.append((time.perf_counter() - t) * 1000)
    # The same encrypted-size bytes, inserted with bare sqlite3 and the same pragmas.
    conn = sqlite3.connect(home / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, rec TEXT, kind TEXT, payload BLOB)")
    bare = []
    for i, data in enumerate(records):
        rows = [(data.uuid, it.kind, os.urandom(len(it.payload or b"") + 28)) for it in data.items]
        t = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO item (rec, kind, payload) VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
        if i >= 10:
            bare.append((time.perf_counter() - t) * 1000)
    conn.close()
    core.close()
    return {
        "save_p50_ms": round(statistics.median(save), 2),
        "save_p99_ms": round(pct(save, 0.99), 2),
        "bare_p50_ms": round(statistics.median(bare), 2),
        "bare_p99_ms": round(pct(bare, 0.99), 2),
        "save_vs_bare_p99": round(pct(save, 0.99) / pct(bare, 0.99), 2),
        "samples": samples,
    }


def bench_scale(home: Path, n: int, progress: bool) -> dict[str, float]:
    core = make_core(home)
    rng = random.Random(2)
    today = date.today()
    niks: list[str] = []
    names: list[str] = []
    t0 = time.perf_counter()
    batch = 1000
    for start in range(0, n, batch):
        recs = [record(start + i, rng, today, small=True) for i in range(min(batch, n - start))]
        if len(niks) < 200:
            niks += [r.nik for r in recs[:20]]
            names += [r.name.split()[0][:3] for r in recs[:20]]
        core.enrollments.seal_many(recs, actor="spv")
        if progress:
            print(f"\r{start + len(recs)}/{n} sealed", end="", file=sys.stderr, flush=True)
    build_s = time.perf_counter() - t0
    if progress:
        print(file=sys.stderr)
    core.close()

    # Open in a fresh process, as a restarted station would: imports, migration check
    # and the first query answered. The interpreter's own start is timed apart.
    probe = (
        "import time; t = time.perf_counter(); from station.core import StationCore; "
        f"c = StationCore.open(__import__('pathlib').Path({str(home)!r})); c.enrollments.state_counts(); "
        "print(time.perf_counter() - t)"
    )
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    open_process_s = time.perf_counter() - t
    open_s = float(out.strip())
    core = StationCore.open(home)

    def timed(fn, args) -> float:  # type: ignore[no-untyped-def]
        out = []
        for a in args:
            t = time.perf_counter()
            found = fn(a)
            out.append((time.perf_counter() - t) * 1000)
            assert found is not None
        return statistics.median(out), pct(out, 0.99)

    nik_p50, nik_p99 = timed(core.enrollments.find_by_nik, niks[:100])
    name_p50, name_p99 = timed(core.enrollments.find_by_name_prefix, names[:100])
    counts_p50, counts_p99 = timed(lambda _: core.enrollments.state_counts(), range(20))
    assert sum(core.enrollments.state_counts().values()) == n
    core.close()
    return {
        "scale_records": n,
        "scale_build_s": round(build_s, 1),
        "open_s": round(open_s, 3),
        "open_process_s": round(open_process_s, 3),
        "nik_lookup_ms": round(nik_p50, 3),
        "nik_lookup_p99_ms": round(nik_p99, 3),
        "name_search_ms": round(name_p50, 3),
        "name_search_p99_ms": round(name_p99, 3),
        "status_counts_ms": round(counts_p50, 3),
        "status_counts_p99_ms": round(counts_p99, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true", help="print only the JSON object")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--scale-records", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = bench_save(Path(tmp) / "save", args.samples)
        result.update(bench_scale(Path(tmp) / "scale", args.scale_records, progress=not args.json))
    result["targets"] = TARGETS
    result["meets_targets"] = all(result[k] <= v for k, v in TARGETS.items())
    if not args.json:
        for k, v in result.items():
            if k != "targets":
                print(f"{k:>22}: {v}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
