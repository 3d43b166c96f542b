"""Hypothesis fuzzing of `station-central import` over generated sticks: manifest bytes
(random, structured, deep, signed or not), entries with hostile fields and names
(control characters, paths, NULs), and files that are symlinks, FIFOs, directories,
missing, altered or genuine.

Whatever the stick holds: no traceback, one clear line per refusal with no control
character printed, an exit status of 0, 1 or 2, and exactly the genuine packets of a
validly signed manifest are received, nothing else. Bounded: 60 examples, each stick
a few files of a few KB."""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.cli import main
from central.keys import load_keys
from tests.central.support import FakeStation
from wire.canonical import canonical
from wire.keys import load_x25519_public, public_pem

CODE = "329104-01"
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
KINDS = ("good", "altered", "symlink", "fifo", "directory", "missing", "wrong_seq", "junk_fields")
NAMES = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00/"), min_size=1, max_size=12)
HOSTILE_NAMES = st.one_of(NAMES, st.sampled_from(["", ".", "..", "../x.pkt", "a/b.pkt", "nul\x00.pkt", "\x1b[2J"]))
FIELD = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2))


@st.composite
def sticks(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "kinds": draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4)),
        "names": draw(st.lists(st.one_of(HOSTILE_NAMES, NAMES.map(lambda n: n + ".pkt")), min_size=4, max_size=4)),
        "fields": draw(st.lists(FIELD, min_size=4, max_size=4)),
        # most sticks are signed, so the per-file checks are reached as often as the manifest's
        "manifest": draw(st.sampled_from(["signed"] * 5 + ["wrong_key", "bad_sig", "random", "deep", "not_object"])),
        "random": draw(st.binary(max_size=300)),
        "depth": draw(st.integers(33, 3000)),
        "strays": draw(st.lists(NAMES, max_size=2)),
    }


def _make(stick: Path, station: FakeStation, spec: dict[str, Any], seqs: itertools.count[int]) -> set[str]:
    """Write the stick; return the uuids that must be received from it."""
    stick.mkdir()
    entries: list[Any] = []
    genuine: set[str] = set()
    for n, kind in enumerate(spec["kinds"]):
        p = station.packet(next(seqs), payload=200)
        name = f"{p.record_uuid}.pkt" if kind == "good" else spec["names"][n]
        entry: dict[str, Any] = {
            "uuid": p.record_uuid,
            "station_seq": p.seq,
            "sha256": p.sha256,
            "size": p.size,
            "file": name,
        }
        safe = name not in ("", ".", "..") and "/" not in name and "\x00" not in name and "manifest" not in name
        path = stick / name if safe else None
        if kind == "good":
            (stick / name).write_bytes(p.blob)
            genuine.add(p.record_uuid)
        elif path is not None and not path.exists():
            if kind == "altered":
                path.write_bytes(p.blob[:-1] + bytes([p.blob[-1] ^ 1]))
            elif kind == "symlink":
                (stick.parent / f"{stick.name}-{n}.target").write_bytes(p.blob)
                path.symlink_to(stick.parent / f"{stick.name}-{n}.target")
            elif kind == "fifo":
                os.mkfifo(path)
            elif kind == "directory":
                path.mkdir()
            elif kind == "wrong_seq":
                path.write_bytes(p.blob)
                entry["station_seq"] = p.seq + 1_000_000
        if kind == "junk_fields":
            entry = {
                "uuid": spec["fields"][0],
                "station_seq": spec["fields"][1],
                "size": spec["fields"][2],
                "file": name,
            }
        entries.append(entry)
    for stray in spec["strays"]:
        if "manifest" not in stray and stray not in (".", "..") and not (stick / stray).exists():
            (stick / stray).write_bytes(b"stray")
    body: Any = {"station": CODE, "exported_at": "2026-11-22T07:00:00Z", "packets": entries}
    raw = canonical(body)
    if spec["manifest"] == "random":
        raw = spec["random"]
    elif spec["manifest"] == "deep":
        raw = raw[:-1] + b',"x":' + b"[" * spec["depth"] + b"]" * spec["depth"] + b"}"
    elif spec["manifest"] == "not_object":
        raw = canonical([body])
    key = Ed25519PrivateKey.generate() if spec["manifest"] == "wrong_key" else station.key
    (stick / "manifest.json").write_bytes(raw)
    (stick / "manifest.sig").write_bytes(os.urandom(64) if spec["manifest"] == "bad_sig" else key.sign(raw))
    return genuine if spec["manifest"] == "signed" else set()


@pytest.mark.timeout(600)
def test_import_of_any_stick_never_tracebacks_and_takes_only_genuine_packets(
    central_home: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--home", str(central_home), "--db", db_url]) == 0
    station = FakeStation(CODE, load_x25519_public(load_keys(central_home).public_pem()))
    (tmp_path / "station.pub").write_bytes(public_pem(station.key))
    assert main(["stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--db", db_url]) == 0
    capsys.readouterr()
    seqs = itertools.count(1)
    expected: set[str] = set()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(spec=sticks())
    def one_stick(spec: dict[str, Any]) -> None:
        stick = tmp_path / f"usb-{uuid.uuid4().hex[:8]}"
        expected.update(_make(stick, station, spec, seqs))
        rc = main(["import", str(stick), "--db", db_url])
        out, err = capsys.readouterr()
        assert rc in (0, 1, 2), (rc, out, err)
        assert "Traceback" not in out + err and not CONTROL.search(out + err), repr(out + err)
        if rc == 2:
            assert out == "" and err.startswith("station-central: error:") and err.count("\n") == 1
        rc, report, _ = main(["report", "--json", "--db", db_url]), *capsys.readouterr()
        received = {
            r["record_uuid"] for s in json.loads(report)["stations"] for r in s["records"] if r["status"] == "received"
        }
        assert received == expected

    one_stick()
