"""`GET /metrics`: valid Prometheus text (0.0.4), the right numbers, nothing about a resident.

The parser below is deliberately small and strict: every sample belongs to a family
declared with # TYPE, every value is a float, histogram buckets are cumulative and
end with +Inf equal to _count.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

import httpx

from central.app import create_app
from central.receiver import Receiver
from central.stations import add_station
from tests.central.support import Api, FakeClock, FakeStation, serve_in_thread
from wire.keys import public_pem

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SUFFIXES = ("_bucket", "_sum", "_count")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> tuple[dict[str, str], Samples]:
    """(family -> type, (name, labels) -> value); raises AssertionError on anything malformed."""
    types: dict[str, str] = {}
    samples: Samples = {}
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped") and name not in types, line
            types[name] = kind
            continue
        if line.startswith("# HELP ") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        family = next((name[: -len(s)] for s in SUFFIXES if name.endswith(s) and name[: -len(s)] in types), name)
        assert family in types, f"{name} has no # TYPE"
        key = (name, tuple(sorted(LABEL.findall(labels or ""))))
        assert key not in samples, f"{key} twice"
        samples[key] = float(value)
        assert not math.isnan(samples[key])
    for family, kind in types.items():
        if kind == "histogram":
            buckets = sorted(
                ((float(dict(labels)["le"]), v) for (n, labels), v in samples.items() if n == family + "_bucket"),
            )
            counts = [v for _, v in buckets]
            assert buckets[-1][0] == math.inf and counts == sorted(counts), family
            assert counts[-1] == samples[(family + "_count", ())], family
    return types, samples


def test_metrics_parse_and_count_what_happened_without_naming_a_record(
    receiver: Receiver, station: FakeStation, clock: FakeClock
) -> None:
    other = FakeStation("329104-02", station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    sent, waiting = station.packet(1), station.packet(2)
    app = create_app(replace(receiver.settings, max_sessions=1), receiver=receiver)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=10) as http:
        api = Api(http, station)
        api.send_all(sent, chunk=64 * 1024)
        assert api.register(waiting).status_code == 201  # registered, not sent: the backlog
        assert Api(http, other).register(other.packet(1)).status_code == 503  # one turn, taken
        clock.advance(90)
        answer = http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    types, samples = parse(answer.text)
    assert types["central_records_received_total"] == "counter"
    assert types["central_commit_duration_seconds"] == "histogram"
    assert samples[("central_records_received_total", ())] == 1
    assert samples[("central_commits_total", (("outcome", "receipt"),))] == 1
    assert samples[("central_commit_duration_seconds_count", ())] == 1
    assert 0 < samples[("central_commit_duration_seconds_sum", ())] < 10
    assert samples[("central_requests_shed_total", (("reason", "sessions_full"),))] == 1
    assert samples[("central_sessions_active", ())] == 1 and samples[("central_sessions_waiting", ())] == 1
    assert samples[("central_work_slots", ())] == receiver.settings.work_slots
    assert samples[("central_line_share", ())] == 1.0  # one process
    assert samples[("central_backlog_records", ())] == 1
    assert samples[("central_backlog_oldest_age_seconds", ())] == 90
    assert samples[("central_station_backlog_age_seconds", (("station", station.code),))] == 90
    for p in (sent, waiting):
        assert p.record_uuid not in answer.text and p.sha256 not in answer.text
    assert "Loket" not in answer.text  # station names stay out; codes are fine


def test_the_parser_refuses_what_prometheus_would() -> None:
    for bad in ("x 1\n", "# TYPE x counter\nx{a=1} 1\n", "# TYPE x counter\nx one\n"):
        try:
            parse(bad)
        except (AssertionError, ValueError):
            continue
        raise AssertionError(f"accepted {bad!r}")
