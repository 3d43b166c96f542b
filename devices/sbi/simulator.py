"""A spec-faithful SBI 0.9.5 device service on 127.0.0.1, for demos, training and tests.

It serves MOSIPDISC /device, MOSIPDINFO /info, RCAPTURE /capture and STREAM /stream
with the spec's field names and status codes, for a slap scanner (deviceSubId 1, 2, 3
= left slap, right slap, thumbs), a dual-iris camera (1, 2, 3 = left, right, both) and
a face camera (0), alone or all from one service as a vendor's service may. Its JWTs
are signed with the simulator-only key (devices.sbi.simkey), whose certificate says
SIMULATOR ONLY; its make is "SIMULATOR" and its previews are stamped SIMULATED.

Faults (`FAULTS`, switchable while running with `set_fault`):
busy, not_registered (status and the matching error codes 111 / 100; info unsigned);
low_quality (blurred, noisy captures with low scores); wrong_hand (the other hand's
fingers); missing_finger (the slap's last finger absent); eye_closed (error 101 with
a closed-eye image); timeout (no answer until the request's timeout plus 30 s, or
until stopped); dies_mid_capture (half an answer, then the whole service stops
listening); broken_hash_chain (the second item's hash altered); bad_signature (a byte
of the first item's JWT signature flipped).

Every request is bounded (body size, JSON depth, the stream's frame count and time);
a concurrent RCAPTURE on the same service is answered "busy" (111), as the spec says.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Any

import numpy as np

from common.biometrics import FingerPosition
from devices.sbi import FAULTS, iso, jws, simimages
from devices.sbi import SIM_TYPES as TYPES
from devices.sbi.chain import EMPTY_HASH, is_hash, link
from devices.sbi.simkey import simulator_identity
from devices.sbi.spec import (
    DISCOVER_ANY,
    FINGER_BY_SUBTYPE,
    FINGER_SUBTYPES,
    HOST,
    PORT_RANGE,
    PURPOSE_REGISTRATION,
    SLAP_FINGERS,
    SPEC_VERSION,
    TRANSACTION_ID,
    BioType,
    DeviceStatus,
    Slap,
    iso_now,
    subtypes_for,
)

log = logging.getLogger(__name__)

MAX_REQUEST = 64 * 1024
STREAM_FPS = 10.0
MAX_STREAM_S = 300.0
TIMEOUT_FAULT_EXTRA_S = 30.0
SIM_ENV = "Developer"


@dataclass(frozen=True)
class SimDevice:
    bio_type: BioType
    device_id: str
    sub_ids: tuple[int, ...]
    sub_type: str
    model: str
    serial: str


DEVICES = {
    "finger": SimDevice(BioType.FINGER, "1", (1, 2, 3), "Slap", "SIM-SLAP-442", "SIMSLAP000001"),
    "iris": SimDevice(BioType.IRIS, "2", (1, 2, 3), "Double", "SIM-IRIS-DUAL", "SIMIRIS000001"),
    "face": SimDevice(BioType.FACE, "3", (0,), "Full face", "SIM-FACE-1080", "SIMFACE000001"),
}


class SbiSimulator:
    """One simulated device service. `start()` binds (port 0: an ephemeral port), `stop()` ends it."""

    def __init__(
        self, *, port: int = 0, types: str = "all", fault: str | None = None, seed: int = 1,
        capture_delay_s: float = 0.05, face_birth_year: int = 1990,
    ) -> None:  # fmt: skip
        if types not in TYPES:
            raise ValueError(f"unknown device type {types!r}; choose one of {', '.join(TYPES)}")
        self.devices = list(DEVICES.values()) if types == "all" else [DEVICES[types]]
        self.requested_port = port
        self.fault: str | None = None
        self.set_fault(fault)
        self.seed = seed
        self.capture_delay_s = capture_delay_s
        self.face_birth_year = face_birth_year  # the face camera's backdrop follows the e-KTP rule for this year
        self.requests: dict[str, int] = {}
        self.stopping = threading.Event()
        self.died = threading.Event()
        self.capturing = threading.Event()  # set while a capture holds the device (tests wait on it)
        self._capture_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
        self.fault = fault

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("simulator not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> SbiSimulator:
        from devices.sbi.simhttp import SbiRequestHandler

        server = ThreadingHTTPServer((HOST, self.requested_port), SbiRequestHandler)
        server.daemon_threads = True
        server.simulator = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.1,), name=f"sbi-sim:{self.port}", daemon=True
        )
        self._thread.start()
        log.info("SBI simulator (SIMULATED) on %s: %s, fault %s", self.url, [d.model for d in self.devices], self.fault)
        return self

    def stop(self) -> None:
        self.stopping.set()
        server = self._server
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(2.0)

    def join(self, timeout_s: float) -> bool:
        """Wait until the service has stopped serving; True when it has."""
        if self._thread is not None:
            self._thread.join(timeout_s)
        return self._thread is None or not self._thread.is_alive()

    def die(self) -> None:
        """Stop listening at once, as a crashed service would (from a handler thread)."""
        self.died.set()
        threading.Thread(target=self.stop, name="sbi-sim-die", daemon=True).start()

    def __enter__(self) -> SbiSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what the service says -------------------------------------------------

    def status(self) -> str:
        if self.fault == "busy":
            return DeviceStatus.BUSY
        if self.fault == "not_registered":
            return DeviceStatus.NOT_REGISTERED
        return DeviceStatus.READY

    def _status_error(self) -> dict[str, str]:
        code = {DeviceStatus.BUSY: "111", DeviceStatus.NOT_REGISTERED: "100"}.get(DeviceStatus(self.status()), "0")
        info = {"111": "Device is Busy", "100": "Device not registered"}.get(code, "Success")
        return {"errorCode": code, "errorInfo": info}

    def digital_id(self, dev: SimDevice) -> dict[str, str]:
        return {
            "serialNo": dev.serial,
            "make": "SIMULATOR",
            "model": dev.model,
            "type": dev.bio_type.value,
            "deviceSubType": dev.sub_type,
            "deviceProvider": "SIMULATOR ONLY",
            "deviceProviderId": "SIMULATOR",
            "dateTime": iso_now(),
        }

    def _sign(self, payload: dict[str, Any]) -> str:
        ident = simulator_identity()
        return jws.sign(payload, ident.key, ident.cert)

    def device_record(self, dev: SimDevice, *, signed_digital_id: bool) -> dict[str, Any]:
        registered = self.status() != DeviceStatus.NOT_REGISTERED
        digital = self.digital_id(dev)
        digital_token = (
            self._sign(digital) if signed_digital_id and registered else jws.b64url_encode(json.dumps(digital).encode())
        )
        return {
            "deviceId": dev.device_id,
            "deviceStatus": self.status(),
            "certification": "L0",
            "serviceVersion": SPEC_VERSION,
            "deviceSubId": [str(s) for s in dev.sub_ids],
            "callbackId": self.url + "/",
            "digitalId": digital_token,
            "deviceCode": dev.serial,
            "specVersion": [SPEC_VERSION],
            "purpose": PURPOSE_REGISTRATION if registered else "",
            "env": SIM_ENV if registered else "None",
            "firmware": "SIM-1.0",
        }

    def discover(self, wanted: object) -> list[dict[str, Any]]:
        if wanted not in (DISCOVER_ANY, *[t.value for t in BioType]):
            return [{"error": {"errorCode": "101", "errorInfo": "Invalid JSON Value Type For Discovery"}}]
        out = []
        for dev in self.devices:
            if wanted in (DISCOVER_ANY, dev.bio_type.value):
                out.append({**self.device_record(dev, signed_digital_id=False), "error": self._status_error()})
        return out

    def info(self) -> list[dict[str, Any]]:
        out = []
        for dev in self.devices:
            record = self.device_record(dev, signed_digital_id=True)
            if self.status() == DeviceStatus.NOT_REGISTERED:
                token = jws.b64url_encode(json.dumps(record).encode())
            else:
                token = self._sign(record)
            out.append({"deviceInfo": token, "error": self._status_error()})
        return out

    # --- capture -----------------------------------------------------------------

    def _finger_item(self, subtype: str) -> tuple[bytes, float]:
        position = FINGER_BY_SUBTYPE[subtype]
        quality_key = 30 if self.fault == "low_quality" else 100
        image, encoded, score = simimages.finger_capture(self.seed, int(position), quality_key)
        return iso.finger_record(image, int(position), quality=int(score), encoded=encoded), score

    def _iris_item(self, subtype: str) -> tuple[bytes, float]:
        closed = self.fault == "eye_closed"
        low = self.fault == "low_quality"
        image, encoded = simimages.eye_capture(self.seed, subtype, closed, low)
        score = 0.0 if closed else 38.0 if low else 88.0
        return iso.iris_record(image, subtype, quality=int(score), encoded=encoded), score

    def _face_item(self) -> tuple[bytes, float]:
        jpeg = simimages.face_jpeg(self.seed, self.face_birth_year)
        return iso.face_record(jpeg), 20.0 if self.fault == "low_quality" else 85.0

    def capture(self, request: dict[str, Any]) -> dict[str, Any]:
        error = self._validate(request)
        if error is not None:
            return failed(error)
        if self.status() != DeviceStatus.READY:
            return failed(self._status_error())
        if not self._capture_lock.acquire(blocking=False):
            return failed({"errorCode": "111", "errorInfo": "Device is Busy"})
        self.capturing.set()
        try:
            self.stopping.wait(self.capture_delay_s)
            return self._capture(request)
        finally:
            self.capturing.clear()
            self._capture_lock.release()

    def _validate(self, request: dict[str, Any]) -> dict[str, str] | None:
        bio = request.get("bio")
        if not isinstance(bio, list) or len(bio) != 1 or not isinstance(bio[0], dict):
            return {"errorCode": "109", "errorInfo": "Requested number of biometric not supported"}
        if not TRANSACTION_ID.match(str(request.get("transactionId", ""))):
            return {"errorCode": "112", "errorInfo": "Invalid Transaction ID"}
        b = bio[0]
        dev = next((d for d in self.devices if d.bio_type.value == b.get("type")), None)
        try:
            sub_id = int(b.get("deviceSubId", -1))
        except (TypeError, ValueError):
            sub_id = -1
        if dev is None:
            return {"errorCode": "202", "errorInfo": "No Device Connected."}
        if sub_id not in dev.sub_ids:
            return {"errorCode": "109", "errorInfo": f"deviceSubId {sub_id} not supported"}
        previous = b.get("previousHash") or EMPTY_HASH
        if not is_hash(previous):
            return {"errorCode": "101", "errorInfo": "previousHash is not a SHA-256 hex digest"}
        return None

    def _capture(self, request: dict[str, Any]) -> dict[str, Any]:
        b = request["bio"][0]
        bio_type = BioType(b["type"])
        sub_id = int(b["deviceSubId"])
        dev = next(d for d in self.devices if d.bio_type == bio_type)
        asked = [s for s in b.get("bioSubType") or [] if isinstance(s, str)]
        excepted = {s for s in b.get("exception") or [] if isinstance(s, str)}
        subtypes = [s for s in subtypes_for(bio_type, sub_id) if s not in excepted and (not asked or s in asked)]
        if bio_type == BioType.FINGER:
            if self.fault == "wrong_hand" and sub_id in (Slap.LEFT, Slap.RIGHT):
                other = SLAP_FINGERS[Slap.RIGHT if sub_id == Slap.LEFT else Slap.LEFT]
                subtypes = [FINGER_SUBTYPES[f] for f in other][: len(subtypes)]
            if self.fault == "missing_finger" and len(subtypes) > 1:
                subtypes = subtypes[:-1]
        elif bio_type == BioType.FACE:
            subtypes = [""]
        previous = b.get("previousHash") or EMPTY_HASH
        items: list[dict[str, Any]] = []
        for subtype in subtypes:
            if bio_type == BioType.FINGER:
                record, score = self._finger_item(subtype)
            elif bio_type == BioType.IRIS:
                record, score = self._iris_item(subtype)
            else:
                record, score = self._face_item()
            payload = {
                "digitalId": self._sign(self.digital_id(dev)),
                "bioType": bio_type.value,
                "deviceCode": dev.serial,
                "deviceServiceVersion": SPEC_VERSION,
                "bioSubType": subtype,
                "purpose": PURPOSE_REGISTRATION,
                "env": SIM_ENV,
                "bioValue": jws.b64url_encode(record),
                "transactionId": request["transactionId"],
                "timestamp": iso_now(),
                "requestedScore": b.get("requestedScore", 0),
                "qualityScore": score,
            }
            previous = link(previous, record)
            error = {"errorCode": "0", "errorInfo": "Success"}
            if bio_type == BioType.IRIS and self.fault == "eye_closed":
                error = {"errorCode": "101", "errorInfo": "Unable to detect a biometric object"}
            items.append({"specVersion": SPEC_VERSION, "data": self._sign(payload), "hash": previous, "error": error})
        self._tamper(items)
        return {"biometrics": items}

    def _tamper(self, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        if self.fault == "broken_hash_chain":
            target = items[1] if len(items) > 1 else items[0]
            h = target["hash"]
            target["hash"] = ("0" if h[0] != "0" else "1") + h[1:]  # always a different digest
        if self.fault == "bad_signature":
            head, body, sig = items[0]["data"].split(".")
            raw = bytearray(jws.b64url_decode(sig))
            raw[0] ^= 0x01  # always a different signature
            items[0]["data"] = f"{head}.{body}.{jws.b64url_encode(bytes(raw))}"

    # --- stream ------------------------------------------------------------------

    def stream_frames(self, request: dict[str, Any]) -> tuple[Callable[[int], bytes] | None, float]:
        """A frame maker for the STREAM request and how long to stream; None if refused."""
        dev = next((d for d in self.devices if d.device_id == str(request.get("deviceId"))), None)
        try:
            sub_id = int(request.get("deviceSubId", -1))
            seconds = min(max(float(request.get("timeout", 300_000)) / 1000.0, 0.1), MAX_STREAM_S)
        except (TypeError, ValueError):
            return None, 0.0
        if dev is None or sub_id not in dev.sub_ids or self.status() != DeviceStatus.READY:
            return None, 0.0
        rng = np.random.default_rng(self.seed)
        if dev.bio_type == BioType.FINGER:
            positions: list[FingerPosition] = list(SLAP_FINGERS[Slap(sub_id)])
            if self.fault == "wrong_hand" and sub_id in (1, 2):
                positions = list(SLAP_FINGERS[Slap.RIGHT if sub_id == 1 else Slap.LEFT])
            if self.fault == "missing_finger":
                positions = positions[:-1]
            image = simimages.slap_image(self.seed, positions, 0.3 if self.fault == "low_quality" else 1.0)
            label = "NFIQ2 ~ 30" if self.fault == "low_quality" else "NFIQ2 ~ 80"
        elif dev.bio_type == BioType.IRIS:
            sides = subtypes_for(BioType.IRIS, sub_id)
            eyes = [
                simimages.eye(self.seed, s, self.fault == "eye_closed", self.fault == "low_quality").image
                for s in sides
            ]
            image = np.hstack(eyes[::-1]) if len(eyes) == 2 else eyes[0]  # the resident's right eye on the left
            label = (
                "Q 0 (eye closed)" if self.fault == "eye_closed" else "Q 38" if self.fault == "low_quality" else "Q 88"
            )
        else:
            image = np.ascontiguousarray(simimages.face_bgr(self.seed, self.face_birth_year))
            return (lambda n: simimages.preview_jpeg(image, "", n, rng, overlay=False)), seconds
        return (lambda n: simimages.preview_jpeg(image, label, n, rng)), seconds


def failed(error: dict[str, str]) -> dict[str, Any]:
    return {"biometrics": [{"specVersion": SPEC_VERSION, "data": "", "hash": "", "error": error}]}


def run_forever(
    *, port: int = 4501, types: str = "all", fault: str | None = None, seed: int = 1,
    on_ready: Callable[[SbiSimulator], None] | None = None,
) -> int:  # fmt: skip
    """`station sim sbi`: serve until interrupted (Ctrl-C or SIGTERM raised as KeyboardInterrupt).

    Like a vendor's service, a port inside 4501-4600 that is taken moves the simulator to
    the next free one of the range (the address printed says which); 0 takes any free
    port; a taken port outside the range is an OSError."""
    sim = start_in_range(port, types=types, fault=fault, seed=seed, capture_delay_s=0.3)
    if on_ready is not None:
        on_ready(sim)
    try:
        while not sim.died.wait(0.5):
            pass
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        sim.stop()


def start_in_range(port: int, **kw: Any) -> SbiSimulator:
    """A started simulator on `port`, or, when that port of 4501-4600 is taken, on the next
    free one of the range (as a vendor's service binds); `kw` go to SbiSimulator."""
    candidates = [port] if not (PORT_RANGE.start <= port < PORT_RANGE.stop) else range(port, PORT_RANGE.stop)
    error: OSError | None = None
    for candidate in candidates:
        try:
            return SbiSimulator(port=candidate, **kw).start()
        except OSError as exc:
            error = exc
    assert error is not None
    raise error
