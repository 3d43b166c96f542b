"""Region table benchmark: what the first NIK look-up costs after a start.

Each run loads station/data/wilayah.json.gz in a fresh interpreter (as the app does on
its first look-up: the table is never read at import) and times, in that process:
import of station.wilayah, the load, a cached look-up, and one kecamatan's village list.

    python benchmarks/bench_wilayah.py [--runs 7]

Prints one JSON object last (medians and maxima in ms, the file's size in bytes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, time
t0 = time.perf_counter()
import station.wilayah as w
t1 = time.perf_counter()
table = w.load()
t2 = time.perf_counter()
region = table.region("3273011501900001")
t3 = time.perf_counter()
villages = table.villages(region.code)
t4 = time.perf_counter()
assert region.district and villages
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "lookup": t3 - t2, "villages": t4 - t3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    runs: list[dict[str, float]] = []
    for _ in range(max(1, min(args.runs, 100))):
        out = subprocess.run(
            [sys.executable, "-c", _CHILD], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict[str, object] = {
        "runs": len(runs),
        "file_bytes": (ROOT / "station/data/wilayah.json.gz").stat().st_size,
    }
    for key in ("import", "load", "lookup", "villages"):
        values = [r[key] * 1000 for r in runs]
        result[f"{key}_ms_median"] = round(statistics.median(values), 3)
        result[f"{key}_ms_max"] = round(max(values), 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
