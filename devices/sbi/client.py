"""The SBI client: discovery over the port range, device info, and verified captures.

Plain functions over `transport.exchange`; no threads of their own except discovery's
short-lived pool. Everything a device says is checked before it is believed:

* discovery and info answers are bounded JSON arrays whose fields are coerced and cut
  to size; a `callbackId` naming anything but 127.0.0.1 is ignored;
* a registered device's `deviceInfo` must carry a signature the trust store accepts;
* every capture is checked by devices.sbi.verify (signatures, hash chain, subtypes)
  before `rcapture` returns it.

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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from devices.sbi import errors, jws
from devices.sbi.spec import (
    DISCOVER_ANY,
    HOST,
    PATH_CAPTURE,
    PATH_DISCOVER,
    PATH_INFO,
    VERB_DISCOVER,
    VERB_INFO,
    VERB_RCAPTURE,
    BioType,
    DeviceStatus,
)
from devices.sbi.transport import Answer, TransportError, exchange
from devices.sbi.verify import (
    MAX_CAPTURE_ANSWER,
    SbiBiometric,
    SbiCapture,
    clean_text,
    error_of,
    jws_error,
    verify_capture,
)
from wire.canonical import JsonRefused, parse_json

log = logging.getLogger(__name__)

MAX_SMALL_ANSWER = 256 * 1024
MAX_DEVICES_PER_SERVICE = 8
DISCOVERY_WORKERS = 128  # every port of the range at once: a hung port cannot delay the others


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
    return {k: clean_text(v) for k, v in list(payload.items())[:32] if isinstance(k, str)}


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
    return tuple(clean_text(v) for v in (value if isinstance(value, list) else [value])[:8] if v)


def _device(port: int, d: dict[str, Any], error: tuple[int, str], signed_by: str | None) -> SbiDevice:
    return SbiDevice(
        port=port,
        device_id=clean_text(d.get("deviceId")),
        status=clean_text(d.get("deviceStatus")),
        certification=clean_text(d.get("certification")),
        service_version=clean_text(d.get("serviceVersion")),
        sub_ids=_sub_ids(d.get("deviceSubId")),
        callback_url=_callback(d.get("callbackId"), port),
        digital_id=_digital_id(d.get("digitalId")),
        device_code=clean_text(d.get("deviceCode")),
        spec_versions=_versions(d.get("specVersion")),
        purpose=clean_text(d.get("purpose")),
        env=clean_text(d.get("env")),
        firmware=clean_text(d.get("firmware")),
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
    return [_device(port, d, error_of(d), None) for d in _json_list(answer, "discovery") if isinstance(d, dict)]


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
            raise jws_error(exc, url, bio_type) from None
        out.append(_device(port, payload, error_of(item), signed_by))
    return out


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


__all__ = [
    "MAX_CAPTURE_ANSWER",
    "SbiBiometric",
    "SbiCapture",
    "SbiDevice",
    "base_url",
    "device_info",
    "discover",
    "discover_port",
    "pick",
    "port_from_url",
    "rcapture",
    "verify_capture",
]
