"""The SBI client: discovery over the port range, device info, and verified captures.

Plain functions over `transport.exchange`; no threads of their own except discovery's
short-lived pool. Everything a device says is checked before it is believed:

* discovery and info answers are bounded JSON arrays whose fields are coerced and cut
  to size; a `callbackId` naming anything but 127.0.0.1 is ignored;
* a registered device's `deviceInfo` must carry a signature the trust store accepts;
* every capture element is checked in this order: its `data` JWT signature and
  signer, then the hash chain over the decoded ISO bytes, then its own error code,
  transaction id, bioType and signed digital id (same device, same modality), and
  last the set of bioSubTypes against the request (wrong hand, unasked, missing).
  A capture failing any check is refused whole.

Discovery (spec: MOSIPDISC on each port of 4501-4600) runs the ports concurrently: a
closed loopback port refuses at once, so the scan's time is that of the slowest
listening service, cut at `timeout_s` (about 2 s); a service that has not answered by
then is left out, not waited for.
"""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from common.text import Text
from devices.base import DeviceError
from devices.sbi import errors, jws
from devices.sbi.chain import is_hash, link
from devices.sbi.spec import (
    DISCOVER_ANY,
    FINGER_BY_SUBTYPE,
    HOST,
    PATH_CAPTURE,
    PATH_DISCOVER,
    PATH_INFO,
    UNKNOWN_SUBTYPE,
    VERB_DISCOVER,
    VERB_INFO,
    VERB_RCAPTURE,
    BioType,
    DeviceStatus,
)
from devices.sbi.transport import Answer, TransportError, exchange
from wire.canonical import JsonRefused, parse_json

log = logging.getLogger(__name__)

MAX_SMALL_ANSWER = 256 * 1024
MAX_CAPTURE_ANSWER = 48 * 1024 * 1024
MAX_DEVICES_PER_SERVICE = 8
MAX_BIOMETRICS = 10
MAX_FIELD = 256
DISCOVERY_WORKERS = 128  # every port of the range at once: a hung port cannot delay the others


def _text(value: object) -> str:
    return "".join(c for c in str(value if value is not None else "") if c.isprintable())[:MAX_FIELD]


def _error_of(item: dict[str, Any]) -> tuple[int, str]:
    err = item.get("error")
    if not isinstance(err, dict):
        return 0, ""
    raw = err.get("errorCode", 0)
    try:
        code = int(str(raw).strip() or 0)
    except ValueError:
        code = -1
    return code, _text(err.get("errorInfo"))


@dataclass(frozen=True)
class SbiDevice:
    """One device of a service, as discovery or device info describes it."""

    port: int
    device_id: str
    status: str
    certification: str
    service_version: str
    sub_ids: tuple[int, ...]
    callback_url: str
    digital_id: dict[str, str]
    device_code: str
    spec_versions: tuple[str, ...]
    purpose: str
    env: str = ""
    firmware: str = ""
    error_code: int = 0
    error_info: str = ""
    signed_by: str | None = None  # subject of the verified deviceInfo signer; None if unsigned

    @property
    def bio_type(self) -> BioType | None:
        try:
            return BioType(self.digital_id.get("type", ""))
        except ValueError:
            return None

    @property
    def sub_type(self) -> str:
        return self.digital_id.get("deviceSubType", "")

    @property
    def make_model(self) -> str:
        return f"{self.digital_id.get('make', '?')} {self.digital_id.get('model', '?')}".strip()

    @property
    def ready(self) -> bool:
        return self.status == DeviceStatus.READY


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def port_from_url(url: str) -> int:
    """The port of an ``http://127.0.0.1:NNNN`` URL; refuses any other host."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST or parts.port is None:
        raise ValueError(f"an SBI service is reached at http://{HOST}:<port>, not {url!r}")
    return parts.port


def _callback(value: object, port: int) -> str:
    try:
        return base_url(port_from_url(str(value)))
    except ValueError:
        return base_url(port)


def _digital_id(token: object) -> dict[str, str]:
    if not isinstance(token, str) or not token:
        return {}
    try:
        payload = jws.unverified_payload(token, max_bytes=64 * 1024)
    except jws.JwsError:
        return {}
    return {k: _text(v) for k, v in list(payload.items())[:32] if isinstance(k, str)}


def _sub_ids(value: object) -> tuple[int, ...]:
    out: list[int] = []
    for v in value if isinstance(value, list) else []:
        try:
            n = int(v)
        except (TypeError, ValueError):
            continue
        if 0 <= n <= 3 and n not in out:
            out.append(n)
    return tuple(out[:4])


def _versions(value: object) -> tuple[str, ...]:
    return tuple(_text(v) for v in (value if isinstance(value, list) else [value])[:8] if v)


def _device(port: int, d: dict[str, Any], error: tuple[int, str], signed_by: str | None) -> SbiDevice:
    return SbiDevice(
        port=port,
        device_id=_text(d.get("deviceId")),
        status=_text(d.get("deviceStatus")),
        certification=_text(d.get("certification")),
        service_version=_text(d.get("serviceVersion")),
        sub_ids=_sub_ids(d.get("deviceSubId")),
        callback_url=_callback(d.get("callbackId"), port),
        digital_id=_digital_id(d.get("digitalId")),
        device_code=_text(d.get("deviceCode")),
        spec_versions=_versions(d.get("specVersion")),
        purpose=_text(d.get("purpose")),
        env=_text(d.get("env")),
        firmware=_text(d.get("firmware")),
        error_code=error[0],
        error_info=error[1],
        signed_by=signed_by,
    )


def _json_list(answer: Answer, what: str) -> list[Any]:
    if answer.status != 200:
        raise TransportError("lost", f"{what}: HTTP {answer.status}")
    try:
        value = parse_json(answer.body, max_bytes=MAX_SMALL_ANSWER, max_depth=8)
    except JsonRefused as exc:
        raise TransportError("lost", f"{what}: {exc.detail}") from None
    if not isinstance(value, list):
        raise TransportError("lost", f"{what} is not a JSON array")
    return value[:MAX_DEVICES_PER_SERVICE]


def discover_port(port: int, bio_type: str = DISCOVER_ANY, *, timeout_s: float = 1.5) -> list[SbiDevice]:
    """MOSIPDISC on one port: [] when nothing listens, raises TransportError on a bad answer."""
    try:
        answer = exchange(
            port, VERB_DISCOVER, PATH_DISCOVER, {"type": bio_type}, timeout_s=timeout_s, max_bytes=MAX_SMALL_ANSWER,
            connect_s=min(0.5, timeout_s),
        )  # fmt: skip
    except TransportError as exc:
        if exc.kind == "refused":
            return []
        raise
    return [_device(port, d, _error_of(d), None) for d in _json_list(answer, "discovery") if isinstance(d, dict)]


def discover(
    ports: Iterable[int], bio_type: str = DISCOVER_ANY, *, timeout_s: float = 2.0
) -> tuple[list[SbiDevice], dict[int, str]]:
    """Scan `ports` concurrently; return the devices found (port order) and, per port that
    listened but answered badly or late, what went wrong."""
    ports = list(ports)
    found: dict[int, list[SbiDevice]] = {}
    problems: dict[int, str] = {}
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(DISCOVERY_WORKERS, len(ports))))
    started = time.monotonic()
    try:
        futures = {pool.submit(discover_port, p, bio_type, timeout_s=timeout_s * 0.9): p for p in ports}
        done, late = concurrent.futures.wait(futures, timeout=timeout_s)
        for future in done:
            port = futures[future]
            try:
                devices = future.result()
            except TransportError as exc:
                problems[port] = exc.detail
                continue
            if devices:
                found[port] = devices
        for future in late:
            problems[futures[future]] = f"no answer within {timeout_s:.1f} s"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    log.info(
        "SBI discovery (%s) over %d ports: %d services in %.2f s",
        bio_type, len(ports), len(found), time.monotonic() - started,
    )  # fmt: skip
    return [d for p in sorted(found) for d in found[p]], problems


def device_info(
    port: int, trust: jws.TrustStore, *, timeout_s: float = 5.0, bio_type: BioType | None = None
) -> list[SbiDevice]:
    """MOSIPDINFO: every device of the service, signatures checked (unsigned only when
    the device says it is not registered)."""
    url = base_url(port)
    answer = _exchange_or_raise(port, VERB_INFO, PATH_INFO, None, timeout_s, MAX_SMALL_ANSWER, bio_type, url)
    try:
        items = _json_list(answer, "device info")
    except TransportError as exc:
        raise errors.protocol(url, exc.detail, bio_type=bio_type) from None
    out: list[SbiDevice] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        token = item.get("deviceInfo")
        signed_by: str | None = None
        try:
            if isinstance(token, str) and token.count(".") == 2:
                verified = jws.verify(token, trust)
                payload, signed_by = verified.payload, verified.signer_subject
            elif isinstance(token, str):
                payload = jws.unverified_payload(token, max_bytes=MAX_SMALL_ANSWER)
                if payload.get("deviceStatus") != DeviceStatus.NOT_REGISTERED:
                    raise errors.protocol(url, "a registered device sent unsigned device info", bio_type=bio_type)
            elif isinstance(token, dict):  # some services send the object itself when unregistered
                payload = token
                if payload.get("deviceStatus") != DeviceStatus.NOT_REGISTERED:
                    raise errors.protocol(url, "a registered device sent unsigned device info", bio_type=bio_type)
            else:
                continue
        except jws.JwsError as exc:
            raise _jws_error(exc, url, bio_type) from None
        out.append(_device(port, payload, _error_of(item), signed_by))
    return out


def _jws_error(exc: jws.JwsError, url: str, bio_type: BioType | None) -> DeviceError:
    if exc.reason in ("untrusted", "expired"):
        return errors.untrusted(url, exc.detail, bio_type=bio_type)
    if exc.reason == "signature":
        return errors.bad_signature(url, exc.detail, bio_type=bio_type)
    return errors.protocol(url, f"token: {exc.detail}", bio_type=bio_type)


def _exchange_or_raise(
    port: int, verb: str, path: str, body: Any, timeout_s: float, max_bytes: int, bio_type: BioType | None, url: str
) -> Answer:
    try:
        return exchange(port, verb, path, body, timeout_s=timeout_s, max_bytes=max_bytes)
    except TransportError as exc:
        if exc.kind == "timeout":
            raise errors.timeout(url, timeout_s, bio_type=bio_type) from None
        if exc.kind == "refused":
            raise errors.connection_lost(url, "nothing listens on the port", bio_type=bio_type) from None
        if exc.kind == "too_large":
            raise errors.protocol(url, exc.detail, bio_type=bio_type) from None
        raise errors.connection_lost(url, exc.detail, bio_type=bio_type) from None


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
        raise _jws_error(exc, url, bio_type) from None
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
        code, info = _error_of(item)
        data = item.get("data")
        if code != 0 and not data:
            raise errors.from_device_code(code, info, bio_type=bio_type, url=url)
        try:
            token = jws.verify(data, trust) if isinstance(data, str) else None
        except jws.JwsError as exc:
            raise _jws_error(exc, url, bio_type) from None
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
                url, f"bioType {_text(payload.get('bioType'))!r} was not asked for", bio_type=bio_type
            )
        _check_digital_id(payload, trust, bio_type, url)
        if not iso:
            raise errors.protocol(url, f"item {index + 1} carries no image", bio_type=bio_type)
        out.append(
            SbiBiometric(
                bio_type=bio_type,
                bio_sub_type=_text(payload.get("bioSubType")) or UNKNOWN_SUBTYPE,
                iso=iso,
                quality=_float(payload.get("qualityScore")),
                requested_score=_float(payload.get("requestedScore")),
                hash=previous,
                timestamp=_text(payload.get("timestamp")),
                signer=token.signer_subject,
            )
        )
    _check_subtypes(bio, [b.bio_sub_type for b in out], bio_type, url)
    return out


def rcapture(port: int, request: dict[str, Any], trust: jws.TrustStore, *, grace_s: float = 3.0) -> SbiCapture:
    """Send RCAPTURE and return the verified capture; waits the request's own timeout
    plus `grace_s` (the device answers with its best frame at its timeout)."""
    bio = request["bio"][0]
    bio_type = BioType(bio["type"])
    url = base_url(port)
    wait_s = int(request["timeout"]) / 1000.0 + grace_s
    started = time.monotonic()
    answer = _exchange_or_raise(port, VERB_RCAPTURE, PATH_CAPTURE, request, wait_s, MAX_CAPTURE_ANSWER, bio_type, url)
    if answer.status != 200:
        raise errors.protocol(url, f"HTTP {answer.status}", bio_type=bio_type)
    items = verify_capture(answer.body, request, trust, url)
    return SbiCapture(
        transaction_id=request["transactionId"],
        bio_type=bio_type,
        sub_id=int(bio["deviceSubId"]),
        items=tuple(items),
        previous_hash=bio["previousHash"],
        duration_s=time.monotonic() - started,
    )


def pick(devices: Sequence[SbiDevice], bio_type: BioType, device_id: str | None = None) -> SbiDevice | None:
    """The device of `bio_type` (and `device_id` when given), a Ready one first."""
    matching = [d for d in devices if d.bio_type == bio_type and (device_id is None or d.device_id == device_id)]
    matching.sort(key=lambda d: (not d.ready, d.port))
    return matching[0] if matching else None
