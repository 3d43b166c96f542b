"""Signature pad stream against the serial line rate.

The ISDV4 simulator streams pen packets back to back at the full 19200 8N1 line rate
(9 bytes x 10 bits per packet: 213.3 packets a second, never more), replaying signatures
without pause, while the station's driver captures through its port thread with bulk
reads. sig_line_ratio = packets the driver received / packets the line allows over the
same interval (from sending ``1`` to the end of the capture, so start-up latency counts
against us); goal >= 0.95. A ratio, not an absolute time, because absolute times on
shared machines drift.

Keys: sig_line_ratio, sig_packets, sig_seconds (plus sig_synthetic_ms, the mean time to
generate one synthetic signature for bulk enrollments, and sig_vector_bytes, the size of
its encoded vectors).
"""

from __future__ import annotations

import argparse
import json
import threading
import time

from devices.signature import Isdv4Pad, encode_strokes, start_simulator, synthetic_strokes
from devices.signature.protocol import line_packet_rate
from devices.signature.strokes import DEFAULT_PAD_MAX


def measure(seconds: float = 3.0, baud: int = 19200) -> dict[str, float]:
    sim = start_simulator(baud=baud, seed=11, loop=True, loop_pause_s=0.0, packet_rate="line")
    pad = Isdv4Pad(sim.path, baud=baud, simulator=sim, driver_name="isdv4-sim")
    done = threading.Event()
    timer = threading.Timer(seconds, done.set)
    try:
        pad.open()
        timer.start()
        capture = pad.capture_signature(done=done, timeout_s=seconds + 5, idle_finish_s=None)
    finally:
        timer.cancel()
        pad.close()
    packets = capture.extra["packets"]
    stream_s = capture.extra["stream_seconds"]
    allowed = stream_s * line_packet_rate(baud)

    started = time.perf_counter()
    n = 50
    sizes = 0
    for i in range(n):
        sizes += len(encode_strokes(synthetic_strokes(20_000 + i), DEFAULT_PAD_MAX))
    synth_ms = (time.perf_counter() - started) / n * 1000

    return {
        "sig_line_ratio": round(packets / allowed, 4),
        "sig_packets": int(packets),
        "sig_seconds": round(stream_s, 3),
        "sig_synthetic_ms": round(synth_ms, 2),
        "sig_vector_bytes": round(sizes / n),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object (the default output too)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to stream")
    args = parser.parse_args()
    print(json.dumps(measure(args.seconds)))


if __name__ == "__main__":
    main()
