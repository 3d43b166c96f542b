"""Checking an RCAPTURE answer before anything in it is believed.

Every element of `biometrics[]` is checked in this order: its `data` JWT signature and
signer against the trust store, then the hash chain over the decoded ISO bytes
(devices.sbi.chain), then its own error code, transaction id, bioType and signed
digital id (same device, same modality), and last the set of bioSubTypes against the
request: the wrong hand, a subtype not asked for, or a missing one is a named error
(errors.WrongSubtypes). A capture failing any check is refused whole.

Traps: the chain is checked before the element's own error code, so even a refused
item (an eye closed) must carry a correct hash; and the device's `hash` is compared
with what the station computes from the previous hash it sent, never with the
device's idea of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from common.text import Text
from devices.base import DeviceError
from devices.sbi import errors, jws
from devices.sbi.chain import is_hash, link
from devices.sbi.spec import FINGER_BY_SUBTYPE, UNKNOWN_SUBTYPE, BioType
from wire.canonical import JsonRefused, parse_json

log = logging.getLogger(__name__)

MAX_CAPTURE_ANSWER = 48 * 1024 * 1024
MAX_BIOMETRICS = 10
MAX_FIELD = 256


def clean_text(value: object) -> str:
    return "".join(c for c in str(value if value is not None else "") if c.isprintable())[:MAX_FIELD]


def error_of(item: dict[str, Any]) -> tuple[int, str]:
    err = item.get("error")
    if not isinstance(err, dict):
        return 0, ""
    raw = err.get("errorCode", 0)
    try:
        code = int(str(raw).strip() or 0)
    except ValueError:
        code = -1
    return code, clean_text(err.get("errorInfo"))


def jws_error(exc: jws.JwsError, url: str, bio_type: BioType | None) -> DeviceError:
    if exc.reason in ("untrusted", "expired"):
        return errors.untrusted(url, exc.detail, bio_type=bio_type)
    if exc.reason == "signature":
        return errors.bad_signature(url, exc.detail, bio_type=bio_type)
    return errors.protocol(url, f"token: {exc.detail}", bio_type=bio_type)


@dataclass(frozen=True)
class SbiBiometric:
    """One verified finger, eye or face of a capture."""

    bio_type: BioType
    bio_sub_type: str
    iso: bytes  # the ISO 19794 record (bioValue decoded)
    quality: float  # the device's qualityScore, 0-100
    requested_score: float
    hash: str
    timestamp: str
    signer: str  # subject of the certificate that signed `data`


@dataclass(frozen=True)
class SbiCapture:
    """A verified RCAPTURE answer. `previous_hash` is what the request chained from;
    the items' hashes continue it in order (the last is `last_hash`)."""

    transaction_id: str
    bio_type: BioType
    sub_id: int
    items: tuple[SbiBiometric, ...]
    previous_hash: str
    duration_s: float
    device_code: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def last_hash(self) -> str:
        return self.items[-1].hash if self.items else self.previous_hash

    @property
    def hashes(self) -> list[str]:
        return [i.hash for i in self.items]


def _float(value: object) -> float:
    try:
        return min(max(float(str(value)), 0.0), 100.0)
    except ValueError:
        return 0.0


def _hand(subtype: str) -> str:
    return subtype.split(" ", 1)[0] if " " in subtype else ""


def _check_subtypes(bio: dict[str, Any], got: list[str], bio_type: BioType, url: str) -> None:
    wanted = [s for s in bio.get("bioSubType", [])]
    if bio_type == BioType.FACE:
        if len(got) != 1:
            raise errors.protocol(url, f"{len(got)} faces in one capture", bio_type=bio_type)
        return
    if len(set(got)) != len(got):
        raise errors.protocol(url, "the same bioSubType twice in one capture", bio_type=bio_type)
    unexpected = [s for s in got if s not in wanted]
    if unexpected:
        hands = {_hand(s) for s in unexpected} - {""}
        asked = {_hand(s) for s in wanted} - {""}
        if bio_type == BioType.FINGER and len(hands) == 1 and len(asked) == 1 and hands != asked:
            raise errors.wrong_hand(url, asked.pop(), hands.pop())
        raise errors.unexpected_subtypes(url, unexpected, bio_type=bio_type)
    absent = [s for s in wanted if s not in got]
    if absent:
        if bio_type == BioType.FINGER:
            labels = [FINGER_BY_SUBTYPE[s].label for s in absent if s in FINGER_BY_SUBTYPE]
        else:
            eye = {"Left": Text("mata kiri", "left eye"), "Right": Text("mata kanan", "right eye")}
            labels = [eye.get(s, Text(s, s)) for s in absent]
        raise errors.missing(url, absent, labels, bio_type=bio_type)


def _check_digital_id(payload: dict[str, Any], trust: jws.TrustStore, bio_type: BioType, url: str) -> None:
    """The capture's own digital id: signed by a trusted key (L0: the device key, L1: the
    FTM's), naming the same device (deviceCode) and modality as the capture."""
    token = payload.get("digitalId")
    if not isinstance(token, str) or token.count(".") != 2:
        raise errors.protocol(url, "the capture's digitalId is not signed", bio_type=bio_type)
    try:
        identity = jws.verify(token, trust).payload
    except jws.JwsError as exc:
        raise jws_error(exc, url, bio_type) from None
    if identity.get("type") != bio_type.value or identity.get("serialNo") != payload.get("deviceCode"):
        raise errors.protocol(url, "the capture's digitalId names another device", bio_type=bio_type)


def verify_capture(body: bytes, request: dict[str, Any], trust: jws.TrustStore, url: str) -> list[SbiBiometric]:
    """Check an RCAPTURE answer against the request that asked for it (see module doc)."""
    bio = request["bio"][0]
    bio_type = BioType(bio["type"])
    try:
        answer = parse_json(body, max_bytes=MAX_CAPTURE_ANSWER, max_depth=8)
    except JsonRefused as exc:
        raise errors.protocol(url, exc.detail, bio_type=bio_type) from None
    items = answer.get("biometrics") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items or len(items) > MAX_BIOMETRICS:
        raise errors.protocol(url, "no biometrics array of 1-10 items", bio_type=bio_type)
    previous = bio["previousHash"]
    out: list[SbiBiometric] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise errors.protocol(url, f"item {index + 1} is not an object", bio_type=bio_type)
        code, info = error_of(item)
        data = item.get("data")
        if code != 0 and not data:
            raise errors.from_device_code(code, info, bio_type=bio_type, url=url)
        try:
            token = jws.verify(data, trust) if isinstance(data, str) else None
        except jws.JwsError as exc:
            raise jws_error(exc, url, bio_type) from None
        if token is None:
            raise errors.protocol(url, f"item {index + 1} has no data token", bio_type=bio_type)
        payload = token.payload
        try:
            iso = jws.b64url_decode(str(payload.get("bioValue", "")))
        except jws.JwsError:
            raise errors.protocol(url, f"item {index + 1}: bioValue is not base64url", bio_type=bio_type) from None
        claimed = item.get("hash")
        if not is_hash(previous) or not is_hash(claimed) or link(previous, iso) != str(claimed).upper():
            raise errors.hash_chain(url, index, bio_type=bio_type)
        previous = str(claimed).upper()
        if code != 0:
            raise errors.from_device_code(code, info, bio_type=bio_type, url=url)
        if payload.get("transactionId") != request["transactionId"]:
            raise errors.protocol(url, "the answer's transactionId is not the request's", bio_type=bio_type)
        if payload.get("bioType") != bio_type.value:
            raise errors.protocol(
                url, f"bioType {clean_text(payload.get('bioType'))!r} was not asked for", bio_type=bio_type
            )
        _check_digital_id(payload, trust, bio_type, url)
        if not iso:
            raise errors.protocol(url, f"item {index + 1} carries no image", bio_type=bio_type)
        out.append(
            SbiBiometric(
                bio_type=bio_type,
                bio_sub_type=clean_text(payload.get("bioSubType")) or UNKNOWN_SUBTYPE,
                iso=iso,
                quality=_float(payload.get("qualityScore")),
                requested_score=_float(payload.get("requestedScore")),
                hash=previous,
                timestamp=clean_text(payload.get("timestamp")),
                signer=token.signer_subject,
            )
        )
    _check_subtypes(bio, [b.bio_sub_type for b in out], bio_type, url)
    return out
