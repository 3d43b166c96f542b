"""Fingerprint image upload against the serial line rate.

UpImage of one 256x288 4-bit image from the simulator paced at the real 57600 8N1
line rate (10 bits per byte), through the station's driver on its I/O thread.
The line itself sets the floor: 40 044 bytes x 10 bits / 57600 = 6.95 s, so the
ratio limit / measured says how much of the line the driver uses (goal >= 0.95).
Measured against that in-process limit rather than as an absolute time, because
absolute times on shared machines drift.

Keys: fp_image_s, fp_line_limit_s, fp_line_ratio (plus fp_synthetic_image_ms,
the mean time to generate one synthetic fingerprint, for bulk enrollments).
"""

from __future__ import annotations

import argparse
import json
import time

from devices.fingerprint import Ef01Scanner, start_simulator, synthetic_fingerprint
from devices.fingerprint.protocol import DEFAULT_BAUD, line_seconds, up_image_bytes


def measure(baud: int = DEFAULT_BAUD) -> dict[str, float]:
    sim = start_simulator(baud=baud, pacing=True, seed=7)
    scanner = Ef01Scanner(sim.path, baud=baud, simulator=sim)
    try:
        scanner.open()
        scanner.gen_img()  # fill the image buffer (no finger: the empty glass)
        started = time.perf_counter()
        image = scanner.upload_image()
        took = time.perf_counter() - started
    finally:
        scanner.close()
    assert image.shape == (288, 256)
    limit = line_seconds(up_image_bytes(128), baud)

    started = time.perf_counter()
    n = 20
    for i in range(n):
        synthetic_fingerprint(10_000 + i, 1 + i % 10, 1.0)
    synth_ms = (time.perf_counter() - started) / n * 1000

    return {
        "fp_image_s": round(took, 4),
        "fp_line_limit_s": round(limit, 4),
        "fp_line_ratio": round(limit / took, 4),
        "fp_synthetic_image_ms": round(synth_ms, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default output too)")
    parser.parse_args()
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
