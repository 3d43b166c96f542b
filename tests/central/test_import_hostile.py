"""`station-central import` against a rogue USB stick: symlinks, FIFOs, files over the
packet limit (or growing past it), a manifest too big or 100,000 levels deep, and names
carrying terminal escape sequences. Each is refused with one clear line, nothing is
read that should not be, and nothing is received that should not be.

Before (issue 11): a symlinked 400 MB .pkt was read whole before its size was checked;
a deep manifest printed a Python traceback; names were printed with their escapes."""

from __future__ import annotations

import json
import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.cli import main
from central.importer import MAX_MANIFEST, FileRefused, printable, read_file
from central.keys import load_keys
from tests.central.support import FakeStation
from tests.central.trust_support import export_stick
from wire.canonical import canonical
from wire.keys import load_x25519_public, public_pem

CODE = "329104-01"
BIG = 400 * 1024 * 1024
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # every C0/C1 control but the newline


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def centre(central_home: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> FakeStation:
    assert main(["init", "--home", str(central_home), "--db", db_url]) == 0
    st = FakeStation(CODE, load_x25519_public(load_keys(central_home).public_pem()))
    (tmp_path / "station.pub").write_bytes(public_pem(st.key))
    assert main(["stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--db", db_url]) == 0
    capsys.readouterr()
    return st


def _received(capsys: pytest.CaptureFixture[str], db_url: str) -> int:
    rc, out, _ = run(capsys, "report", "--json", "--db", db_url)
    assert rc == 0
    return int(json.loads(out)["received"])


def _clean(text: str) -> None:
    assert "Traceback" not in text and not CONTROL.search(text), repr(text)


def _manifest(st: FakeStation, entries: list[dict[str, object]]) -> bytes:
    return canonical({"station": st.code, "exported_at": "2026-11-22T07:00:00Z", "packets": entries})


def _entry(name: str, p_uuid: str, seq: int, sha: str, size: int) -> dict[str, object]:
    return {"uuid": p_uuid, "station_seq": seq, "sha256": sha, "size": size, "file": name}


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as f:
        f.truncate(size)
    return path


@pytest.mark.timeout(60)
def test_a_symlinked_400_mb_packet_is_refused_without_being_read(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = centre.packet(2)
    target = _sparse(tmp_path / "huge.bin", BIG)
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "linked.pkt").symlink_to(target)
    entries = [_entry("linked.pkt", good.record_uuid, 1, good.sha256, 3000)]
    export_stick(stick, centre, [good], manifest=_manifest(centre, entries))
    started = time.monotonic()
    tracemalloc.start()
    try:
        rc, out, err = run(capsys, "import", str(stick), "--db", db_url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rc == 1 and "refused linked.pkt" in out and "import.symlink" in out
    assert peak < 16 * 1024 * 1024 and time.monotonic() - started < 10
    _clean(out + err)


def test_a_symlink_to_a_genuine_packet_is_refused_and_not_received(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = centre.packet(1)
    elsewhere = tmp_path / "elsewhere.pkt"
    elsewhere.write_bytes(p.blob)
    stick = tmp_path / "usb"
    stick.mkdir()
    (stick / "p.pkt").symlink_to(elsewhere)
    export_stick(stick, centre, [], manifest=_manifest(centre, [_entry("p.pkt", p.record_uuid, 1, p.sha256, p.size)]))
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 1 and "import.symlink" in out
    assert _received(capsys, db_url) == 0


def test_a_regular_file_over_the_limit_is_refused_before_it_is_read(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = centre.packet(1)
    stick = tmp_path / "usb"
    stick.mkdir()
    _sparse(stick / "lying.pkt", BIG)  # the manifest says 3000 bytes
    _sparse(stick / "honest.pkt", BIG)  # the manifest says 400 MB
    entries = [
        _entry("lying.pkt", p.record_uuid, 1, p.sha256, 3000),
        _entry("honest.pkt", "00000000-0000-4000-8000-000000000002", 2, p.sha256, BIG),
    ]
    export_stick(stick, centre, [], manifest=_manifest(centre, entries))
    tracemalloc.start()
    try:
        rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rc == 1 and "refused lying.pkt" in out and "import.too_large" in out
    assert "refused honest.pkt" in out and "upload.too_large" in out
    assert peak < 16 * 1024 * 1024


def test_a_fifo_a_directory_and_a_symlinked_manifest_are_refused(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = centre.packet(1)
    stick = tmp_path / "usb"
    stick.mkdir()
    os.mkfifo(stick / "pipe.pkt")  # opening it for reading would wait forever for a writer
    (stick / "dir.pkt").mkdir()
    entries = [_entry("pipe.pkt", p.record_uuid, 1, p.sha256, p.size), _entry("dir.pkt", p.record_uuid, 1, p.sha256, 9)]
    export_stick(stick, centre, [], manifest=_manifest(centre, entries))
    rc, out, _ = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 1 and out.count("import.not_a_file") == 2

    linked = tmp_path / "usb2"
    export_stick(tmp_path / "real", centre, [p])
    linked.mkdir()
    (linked / "manifest.json").symlink_to(tmp_path / "real" / "manifest.json")
    (linked / "manifest.sig").write_bytes((tmp_path / "real" / "manifest.sig").read_bytes())
    rc, out, err = run(capsys, "import", str(linked), "--db", db_url)
    assert rc == 2 and out == "" and "manifest.json" in err and "symbolic link" in err
    assert _received(capsys, db_url) == 0


@pytest.mark.parametrize("signed", [True, False])
def test_a_deep_manifest_is_one_line_never_a_traceback(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], signed: bool
) -> None:
    deep = b'{"station":"' + CODE.encode() + b'","packets":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    key = None if signed else Ed25519PrivateKey.generate()
    stick = export_stick(tmp_path / "usb", centre, [], manifest=deep, key=key)
    rc, out, err = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert ("nests deeper than" in err) if signed else ("does not verify" in err)
    _clean(err)


def test_a_manifest_over_the_cap_is_refused_unparsed(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stick = tmp_path / "usb"
    stick.mkdir()
    _sparse(stick / "manifest.json", MAX_MANIFEST + 1)
    (stick / "manifest.sig").write_bytes(b"\0" * 64)
    rc, out, err = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 2 and "manifest.json" in err and str(MAX_MANIFEST) in err


def test_names_from_the_stick_are_printed_escaped(
    centre: FakeStation, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = centre.packet(1)
    evil = "\x1b[2J\x1b]0;owned\x07\u202e.pkt"  # clear screen, set the title, right-to-left override
    stick = tmp_path / "usb"
    export_stick(stick, centre, [p])
    (stick / evil).write_bytes(b"stray")
    (stick / os.fsdecode(b"bad-\xff-utf8.pkt")).write_bytes(b"stray")
    missing = _entry("gone\r\x1b[1A.pkt", "\x1b[31m", 2, p.sha256, p.size)
    raw = _manifest(centre, [_entry(f"{p.record_uuid}.pkt", p.record_uuid, 1, p.sha256, p.size), missing])
    export_stick(stick, centre, [p], manifest=raw)
    rc, out, err = run(capsys, "import", str(stick), "--db", db_url)
    assert rc == 1 and "1 imported" in out
    _clean(out + err)
    assert "\\x1b[2J\\x1b]0;owned\\x07\\u202e.pkt" in out
    assert "bad-\\xff-utf8.pkt" in out
    assert "gone\\x0d\\x1b[1A.pkt (\\x1b[31m)" in out


def test_printable_escapes_every_control_and_keeps_text() -> None:
    assert printable("Loket 1 — Ñ ✓") == "Loket 1 — Ñ ✓"
    assert printable("a\\b\x00\x1b\x7f\x85\u2028") == "a\\\\b\\x00\\x1b\\x7f\\x85\\u2028"
    assert all(not CONTROL.search(printable(chr(n))) for n in range(0x10000) if not 0xD800 <= n < 0xDC80)


def test_a_file_that_grows_while_it_is_read_is_refused_at_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fstat said small, then the file grew (another process writing to the stick): at
    most limit + 1 bytes are read and the file is refused, never taken truncated."""
    (tmp_path / "growing.pkt").write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def shrunk(fd: int) -> os.stat_result:
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, *st[1:6], 10, *st[7:]))  # st_size as it was before it grew

    monkeypatch.setattr(os, "fstat", shrunk)
    read_bytes: list[int] = []
    real_read = os.read

    def counted(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        read_bytes.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counted)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(FileRefused) as refused:
            read_file(fd, "growing.pkt", 1000)
    finally:
        os.close(fd)
    assert refused.value.code == "import.too_large" and "grew" in refused.value.detail
    assert sum(read_bytes) == 1001
