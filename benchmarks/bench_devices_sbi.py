"""SBI discovery time over the spec's port range, and a verified slap capture.

sbi_discovery_s: the median wall time of `devices.sbi.client.discover` over
127.0.0.1:4501-4600 (MOSIPDISC on every port, concurrently) while two simulated device
services listen inside the range, one of them offering all three devices; goal <= 2 s.
A scan that misses a listening service does not count as fast: it fails the run.

sbi_slap_s: the median time of one verified left-slap capture through the driver
(RCAPTURE, four JWT signatures, the hash chain, four JPEG 2000 decodes, WSQ and the
station's quality proxy), with the simulator's own capture delay set to zero.

    python benchmarks/bench_devices_sbi.py
"""

from __future__ import annotations

import json
import statistics
import time

from devices.sbi import client, jws, spec
from devices.sbi.finger import SbiFingerprintScanner
from devices.sbi.service import SbiSettings
from devices.sbi.simkey import simulator_identity
from devices.sbi.simulator import SbiSimulator, start_in_range
from devices.sbi.spec import Slap


def measure(rounds: int = 5) -> dict[str, float]:
    sims: list[SbiSimulator] = []
    try:
        sims.append(start_in_range(spec.PORT_FIRST, types="all", capture_delay_s=0.0))
        sims.append(start_in_range(spec.PORT_FIRST, types="finger", capture_delay_s=0.0))
        expected = {s.port for s in sims}
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            devices, _problems = client.discover(spec.PORT_RANGE, timeout_s=2.0)
            times.append(time.perf_counter() - started)
            found = {d.port for d in devices}
            if not expected <= found:
                raise RuntimeError(f"discovery missed services on {sorted(expected - found)}")
        trust = jws.TrustStore.from_pems([simulator_identity().cert_pem], "simulator")
        scanner = SbiFingerprintScanner(SbiSettings(trust=trust, port=sims[1].port))
        scanner.open()
        slaps = []
        try:
            for _ in range(rounds):
                started = time.perf_counter()
                scanner.capture_slap(Slap.LEFT, attempts=1)
                slaps.append(time.perf_counter() - started)
        finally:
            scanner.close()
    finally:
        for sim in sims:
            sim.stop()
    return {
        "sbi_discovery_s": round(statistics.median(times), 4),
        "sbi_discovery_max_s": round(max(times), 4),
        "sbi_discovery_ports": float(len(spec.PORT_RANGE)),
        "sbi_slap_s": round(statistics.median(slaps), 4),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
