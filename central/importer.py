"""Hand-carry import: packets exported to a USB stick where there is no link.

DIR holds packet files (*.pkt), manifest.json (canonical JSON {"station",
"exported_at", "packets": [{"uuid", "station_seq", "sha256", "size", "file"}]}) and
manifest.sig (the station's Ed25519 signature over the manifest.json bytes, raw 64
bytes or base64 text). Each packet goes through Receiver.register / put_whole /
commit, so an import applies exactly the checks of an upload and a packet already
received by either route gets its existing receipt back.

Traps:
- The manifest signature is checked before anything is ingested: an altered or
  unsigned stick is refused whole.
- `file` names come from the stick: only plain names inside DIR are accepted.
- *.pkt files the manifest does not list are not covered by the signature; they
  are named as refusals rather than silently skipped or silently taken.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from central.errors import CentralError
from central.ledger import RECEIVED
from central.receiver import Receiver
from wire.packet import PacketError, read_header

log = logging.getLogger(__name__)


class ImportRefused(Exception):
    """The whole directory is refused (no manifest, bad signature, unknown station)."""


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


def read_manifest(receiver: Receiver, directory: Path) -> tuple[str, list[dict[str, Any]]]:
    """The verified manifest's station and packet entries."""
    man, sig = directory / "manifest.json", directory / "manifest.sig"
    if not directory.is_dir():
        raise ImportRefused(f"{directory} is not a directory")
    if not man.is_file() or not sig.is_file():
        raise ImportRefused(f"{directory} has no manifest.json and manifest.sig")
    raw = man.read_bytes()
    try:
        manifest = json.loads(raw)
        station = manifest["station"]
        entries = manifest["packets"]
    except (ValueError, KeyError, TypeError):
        raise ImportRefused("manifest.json is not a valid export manifest") from None
    if not isinstance(station, str) or not isinstance(entries, list):
        raise ImportRefused("manifest.json is not a valid export manifest")
    key = receiver.public_key_for(station)
    if key is None:
        raise ImportRefused(f"station {station} is not registered at this centre")
    try:
        key.verify(_signature(sig.read_bytes()), raw)
    except InvalidSignature:
        raise ImportRefused(f"manifest.sig does not verify with station {station}'s key") from None
    return station, entries


def import_dir(receiver: Receiver, directory: Path) -> ImportResult:
    station, entries = read_manifest(receiver, directory)
    result = ImportResult(station)
    listed: set[str] = set()
    valid = [e for e in entries if isinstance(e, dict)]
    if len(valid) != len(entries):
        result.refused.append(Refusal("manifest.json", None, "import.bad_entry", "a packet entry is not an object"))
    for entry in sorted(valid, key=_seq_of):
        name = entry.get("file")
        if isinstance(name, str):
            listed.add(name)
        refusal = _import_one(receiver, directory, station, entry, result)
        if refusal is not None:
            result.refused.append(refusal)
    for path in sorted(directory.glob("*.pkt")):
        if path.name not in listed:
            result.refused.append(Refusal(path.name, None, "import.unlisted", "not listed in the signed manifest"))
    log.info(
        "import from %s for %s: %d imported, %d already received, %d refused",
        directory,
        station,
        len(result.imported),
        len(result.already),
        len(result.refused),
    )
    return result


def _seq_of(entry: dict[str, Any]) -> int:
    seq = entry.get("station_seq")
    return seq if isinstance(seq, int) else 0


def _import_one(
    receiver: Receiver, directory: Path, station: str, entry: dict[str, Any], result: ImportResult
) -> Refusal | None:
    name, record_uuid = entry.get("file"), entry.get("uuid")
    uuid_text = record_uuid if isinstance(record_uuid, str) else None
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        return Refusal(str(name), uuid_text, "import.bad_entry", "the file name must be a plain name inside DIR")
    path = directory / name
    if not path.is_file():
        return Refusal(name, uuid_text, "import.missing_file", "the file is missing")
    blob = path.read_bytes()
    if len(blob) != entry.get("size") or hashlib.sha256(blob).hexdigest() != entry.get("sha256"):
        return Refusal(name, uuid_text, "import.file_mismatch", "size or SHA-256 differs from the manifest")
    try:
        header = read_header(blob)
    except PacketError as exc:
        return Refusal(name, uuid_text, exc.code, exc.detail)
    if (header["station"], header["record_uuid"], header["station_seq"]) != (
        station,
        record_uuid,
        entry.get("station_seq"),
    ):
        return Refusal(name, uuid_text, "packet.mismatch", "the packet header disagrees with the manifest entry")
    registration = {"station_seq": header["station_seq"], "sha256": entry["sha256"], "size": len(blob)}
    try:
        _created, state = receiver.register(station, header["record_uuid"], registration)
        if state["state"] == RECEIVED:
            result.already.append((name, state["receipt"]))
            return None
        receiver.put_whole(station, header["record_uuid"], blob)
        receipt = receiver.commit(station, header["record_uuid"], via="import")
    except CentralError as exc:
        return Refusal(name, uuid_text, exc.reason or exc.code, exc.detail)
    result.imported.append((name, receipt))
    return None
