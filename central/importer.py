"""Hand-carry import: packets exported to a USB stick where there is no link.

DIR holds packet files (*.pkt), manifest.json (canonical JSON {"station",
"exported_at", "packets": [{"uuid", "station_seq", "sha256", "size", "file"}]}) and
manifest.sig (the station's Ed25519 signature over the manifest.json bytes, raw 64
bytes or base64 text). Each packet goes through Receiver.register / put_whole /
commit, so an import applies exactly the checks of an upload and a packet already
received by either route gets its existing receipt back.

The stick is hostile until proven otherwise (a rogue USB stick is in the threat
model). Traps:
- Nothing on the stick is followed or read unmeasured (DIR itself may be a link: the
  operator names it; nothing inside it is followed): the directory is opened once
  and every file is opened relative to it with O_NOFOLLOW | O_NONBLOCK, so a symlink
  (to /dev/zero, to a 400 MB file, to another station's packet) or a FIFO is refused,
  and the open checks the very file it read (no window between a look and a read).
  Each file must be a regular file; its size is checked before reading, and at most
  limit + 1 bytes are read anyway, in case it grows while we read.
- The manifest is authenticated before it is parsed: the station code is taken from
  the raw bytes with a bounded pattern, its key checks manifest.sig over the bytes,
  and only then is the JSON parsed (size and depth capped); the parsed station must
  be the one whose key verified.
- `file` names come from the stick: only plain names inside DIR are accepted.
- *.pkt files the manifest does not list are not covered by the signature; they
  are named as refusals rather than silently skipped or silently taken (at most
  MAX_UNLISTED of them are named, then a count).
- Names and texts from the stick may hold terminal escape sequences: whoever prints
  them uses `printable`.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from central.errors import CentralError
from central.ledger import RECEIVED
from central.receiver import MAX_SEQ, SHA256_RE, Receiver
from wire.canonical import JsonRefused, canonical_uuid, parse_json
from wire.packet import PacketError, read_header

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_MANIFEST = 4 * 1024 * 1024
MAX_SIGNATURE = 1024
MAX_UNLISTED = 100
_STATION_IN_MANIFEST = re.compile(rb'"station"\s*:\s*"([A-Za-z0-9][A-Za-z0-9._-]{0,63})"')
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class ImportRefused(Exception):
    """The whole directory is refused (no manifest, bad signature, unknown station)."""


class FileRefused(Exception):
    """One file on the stick cannot be read as it is (a symlink, not a regular file, too big)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Refusal:
    file: str
    record_uuid: str | None
    code: str
    detail: str


@dataclass
class ImportResult:
    station: str
    imported: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    already: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    unlisted_not_named: int = 0


def printable(text: object) -> str:
    """`text` safe for a terminal: every control or otherwise non-printable character
    (ESC, CR, bidi overrides, bytes that are not UTF-8) shown as \\xNN / \\uNNNN, and
    the backslash itself doubled, so what is printed cannot be mistaken or act."""
    out: list[str] = []
    for ch in str(text):
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


@contextmanager
def _open_dir(directory: Path) -> Iterator[int]:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ImportRefused(f"{printable(directory)} does not exist") from None
    except NotADirectoryError:
        raise ImportRefused(f"{printable(directory)} is not a directory") from None
    except OSError as exc:
        raise ImportRefused(f"{printable(directory)}: {exc.strerror}") from None
    try:
        yield fd
    finally:
        os.close(fd)


def read_file(dir_fd: int, name: str, limit: int) -> bytes:
    """The bytes of the regular file `name` in the directory, at most `limit` of them.
    lstat first (a clear refusal), then an open that cannot follow a link or block on
    a FIFO, checked again with fstat on the descriptor actually read."""
    try:
        st = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        raise FileRefused("import.missing_file", "the file is missing") from None
    except ValueError:  # a NUL or a lone surrogate: no file can have that name
        raise FileRefused("import.bad_entry", "the name cannot be a file name") from None
    except OSError as exc:
        raise FileRefused("import.unreadable", f"cannot examine the file: {exc.strerror}") from None
    _check_kind(st)
    try:
        fd = os.open(name, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused("import.symlink", "the file is a symbolic link; only regular files are read") from None
        raise FileRefused("import.unreadable", f"cannot open the file: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        _check_kind(st)
        if st.st_size > limit:
            raise FileRefused("import.too_large", f"the file is {st.st_size} bytes; the limit is {limit}")
        parts: list[bytes] = []
        left = limit + 1  # one more than allowed: a file that grew is seen, not truncated silently
        while left > 0:
            part = os.read(fd, min(left, 1 << 20))
            if not part:
                break
            parts.append(part)
            left -= len(part)
    except OSError as exc:
        raise FileRefused("import.unreadable", f"cannot read the file: {exc.strerror}") from None
    finally:
        os.close(fd)
    data = b"".join(parts)
    if len(data) > limit:
        raise FileRefused("import.too_large", f"the file grew past the limit of {limit} bytes while it was read")
    return data


def _check_kind(st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise FileRefused("import.symlink", "the file is a symbolic link; only regular files are read")
    if not stat.S_ISREG(st.st_mode):
        raise FileRefused("import.not_a_file", "not a regular file (a directory, device or pipe)")


def _signature(raw: bytes) -> bytes:
    if len(raw) == 64:
        return raw
    try:
        sig = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImportRefused("manifest.sig is neither 64 raw bytes nor base64") from None
    if len(sig) != 64:
        raise ImportRefused("manifest.sig is not an Ed25519 signature")
    return sig


def _whole_file(dir_fd: int, name: str, limit: int) -> bytes:
    try:
        return read_file(dir_fd, name, limit)
    except FileRefused as exc:
        raise ImportRefused(f"{name}: {exc.detail}") from None


def read_manifest(receiver: Receiver, dir_fd: int) -> tuple[str, list[Any]]:
    """The verified manifest's station and packet entries (signature first, then JSON)."""
    raw = _whole_file(dir_fd, MANIFEST, MAX_MANIFEST)
    sig = _signature(_whole_file(dir_fd, SIGNATURE, MAX_SIGNATURE))
    named = _STATION_IN_MANIFEST.search(raw)
    if named is None:
        raise ImportRefused("manifest.json names no station")
    station = named.group(1).decode("ascii")
    key = receiver.public_key_for(station)
    if key is None:
        raise ImportRefused(f"station {station} is not registered at this centre")
    try:
        key.verify(sig, raw)
    except InvalidSignature:
        raise ImportRefused(f"manifest.sig does not verify with station {station}'s key") from None
    try:
        manifest = parse_json(raw, max_bytes=MAX_MANIFEST)
    except JsonRefused as exc:
        raise ImportRefused(f"manifest.json is not a valid export manifest: {exc.detail}") from None
    entries = manifest.get("packets") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or manifest.get("station") != station or not isinstance(entries, list):
        raise ImportRefused("manifest.json is not a valid export manifest for the station that signed it")
    return station, entries


def import_dir(receiver: Receiver, directory: Path) -> ImportResult:
    with _open_dir(directory) as dir_fd:
        station, entries = read_manifest(receiver, dir_fd)
        result = ImportResult(station)
        listed: set[str] = set()
        valid = [e for e in entries if isinstance(e, dict)]
        if len(valid) != len(entries):
            result.refused.append(Refusal(MANIFEST, None, "import.bad_entry", "a packet entry is not an object"))
        for entry in sorted(valid, key=_seq_of):
            name = entry.get("file")
            if isinstance(name, str):
                listed.add(name)
            refusal = _import_one(receiver, dir_fd, station, entry, result)
            if refusal is not None:
                result.refused.append(refusal)
        _name_unlisted(dir_fd, listed, result)
    log.info(
        "import from %s for %s: %d imported, %d already received, %d refused",
        printable(directory),
        station,
        len(result.imported),
        len(result.already),
        len(result.refused) + result.unlisted_not_named,
    )
    return result


def _name_unlisted(dir_fd: int, listed: set[str], result: ImportResult) -> None:
    with os.scandir(dir_fd) as found:
        names = sorted(e.name for e in found if e.name.endswith(".pkt") and e.name not in listed)
    for name in names[:MAX_UNLISTED]:
        result.refused.append(Refusal(name, None, "import.unlisted", "not listed in the signed manifest"))
    result.unlisted_not_named = max(0, len(names) - MAX_UNLISTED)


def _seq_of(entry: dict[str, Any]) -> int:
    seq = entry.get("station_seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


def _entry_fields(entry: dict[str, Any]) -> tuple[str, int, str, int] | str:
    """(uuid, station_seq, sha256, size) of a well-formed entry, else what is wrong."""
    try:
        record_uuid = canonical_uuid(entry.get("uuid"))  # type: ignore[arg-type]
    except ValueError:
        return "the uuid is not a UUID"
    seq, sha, size = entry.get("station_seq"), entry.get("sha256"), entry.get("size")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_SEQ:
        return "station_seq is not a positive integer"
    if not isinstance(sha, str) or not SHA256_RE.match(sha):
        return "sha256 is not 64 lowercase hex digits"
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return "size is not a positive integer"
    return record_uuid, seq, sha, size


def _import_one(
    receiver: Receiver, dir_fd: int, station: str, entry: dict[str, Any], result: ImportResult
) -> Refusal | None:
    name, raw_uuid = entry.get("file"), entry.get("uuid")
    uuid_text = raw_uuid if isinstance(raw_uuid, str) else None
    if not isinstance(name, str) or not name or "/" in name or "\0" in name or name in (".", ".."):
        return Refusal(str(name), uuid_text, "import.bad_entry", "the file name must be a plain name inside DIR")
    fields = _entry_fields(entry)
    if isinstance(fields, str):
        return Refusal(name, uuid_text, "import.bad_entry", fields)
    record_uuid, seq, sha, size = fields
    limit = receiver.settings.max_packet_size
    if size > limit:
        return Refusal(name, record_uuid, "upload.too_large", f"the manifest says {size} bytes; the limit is {limit}")
    try:
        blob = read_file(dir_fd, name, limit)
    except FileRefused as exc:
        return Refusal(name, record_uuid, exc.code, exc.detail)
    if len(blob) != size or hashlib.sha256(blob).hexdigest() != sha:
        return Refusal(name, record_uuid, "import.file_mismatch", "size or SHA-256 differs from the manifest")
    try:
        header = read_header(blob)
    except PacketError as exc:
        return Refusal(name, record_uuid, exc.code, exc.detail)
    if (header["station"], str(header["record_uuid"]).lower(), header["station_seq"]) != (station, record_uuid, seq):
        return Refusal(name, record_uuid, "packet.mismatch", "the packet header disagrees with the manifest entry")
    registration = {"station_seq": seq, "sha256": sha, "size": size}
    try:
        _created, state = receiver.register(station, record_uuid, registration)
        if state["state"] == RECEIVED:
            result.already.append((name, state["verdict"]))
            return None
        receiver.put_whole(station, record_uuid, blob)
        receipt = receiver.commit(station, record_uuid, via="import")
    except CentralError as exc:
        return Refusal(name, record_uuid, exc.reason or exc.code, exc.detail)
    result.imported.append((name, receipt))
    return None
