"""MOSIP SBI (MDS) 0.9.5: the names, numbers and request shapes both sides use.

One place for the spec's vocabulary, so the driver and the simulator cannot drift
apart: the verbs, the port range, the device statuses, the bioSubType spellings
and what each deviceSubId means (1 = left slap / left eye, 2 = right slap / right
eye, 3 = both thumbs / both eyes, 0 = face), and the RCAPTURE request.

Traps:
- finger bioSubTypes are spelled with a space and no space inside the finger name
  ("Left IndexFinger", "Right Thumb"); the spec's list is the only spelling;
- `specVersion` in a request is a string, in a response an array whose element 0
  is the version the answer was made with;
- `transactionId` must be 4-50 characters of letters, digits and hyphens, and a
  new one is used for every request (the hash chain, not the id, ties captures).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

from common.biometrics import FingerPosition

SPEC_VERSION = "0.9.5"
HOST = "127.0.0.1"  # the spec binds 127.0.0.1, never "localhost"
PORT_FIRST, PORT_LAST = 4501, 4600
PORT_RANGE = range(PORT_FIRST, PORT_LAST + 1)
APP_NAME = "ektp-station"

VERB_DISCOVER = "MOSIPDISC"
VERB_INFO = "MOSIPDINFO"
VERB_RCAPTURE = "RCAPTURE"
VERB_STREAM = "STREAM"
PATH_DISCOVER, PATH_INFO, PATH_CAPTURE, PATH_STREAM = "/device", "/info", "/capture", "/stream"

PURPOSE_REGISTRATION = "Registration"
ENVIRONMENTS = ("Staging", "Developer", "Pre-Production", "Production")
TRANSACTION_ID = re.compile(r"^[A-Za-z0-9-]{4,50}$")


class BioType(StrEnum):
    FINGER = "Finger"
    IRIS = "Iris"
    FACE = "Face"


DISCOVER_ANY = "Biometric Device"


class DeviceStatus(StrEnum):
    READY = "Ready"
    BUSY = "Busy"
    NOT_READY = "Not Ready"
    NOT_REGISTERED = "Not Registered"


class Slap(IntEnum):
    """A finger device's deviceSubId."""

    LEFT = 1
    RIGHT = 2
    THUMBS = 3


class Eyes(IntEnum):
    """An iris device's deviceSubId."""

    LEFT = 1
    RIGHT = 2
    BOTH = 3


FACE_SUB_ID = 0

FINGER_SUBTYPES: dict[FingerPosition, str] = {
    FingerPosition.LEFT_INDEX: "Left IndexFinger",
    FingerPosition.LEFT_MIDDLE: "Left MiddleFinger",
    FingerPosition.LEFT_RING: "Left RingFinger",
    FingerPosition.LEFT_LITTLE: "Left LittleFinger",
    FingerPosition.LEFT_THUMB: "Left Thumb",
    FingerPosition.RIGHT_INDEX: "Right IndexFinger",
    FingerPosition.RIGHT_MIDDLE: "Right MiddleFinger",
    FingerPosition.RIGHT_RING: "Right RingFinger",
    FingerPosition.RIGHT_LITTLE: "Right LittleFinger",
    FingerPosition.RIGHT_THUMB: "Right Thumb",
}
FINGER_BY_SUBTYPE: dict[str, FingerPosition] = {v: k for k, v in FINGER_SUBTYPES.items()}
UNKNOWN_SUBTYPE = "UNKNOWN"

SLAP_FINGERS: dict[Slap, tuple[FingerPosition, ...]] = {
    Slap.LEFT: (
        FingerPosition.LEFT_INDEX,
        FingerPosition.LEFT_MIDDLE,
        FingerPosition.LEFT_RING,
        FingerPosition.LEFT_LITTLE,
    ),
    Slap.RIGHT: (
        FingerPosition.RIGHT_INDEX,
        FingerPosition.RIGHT_MIDDLE,
        FingerPosition.RIGHT_RING,
        FingerPosition.RIGHT_LITTLE,
    ),
    Slap.THUMBS: (FingerPosition.LEFT_THUMB, FingerPosition.RIGHT_THUMB),
}
SLAP_OF: dict[FingerPosition, Slap] = {f: s for s, fingers in SLAP_FINGERS.items() for f in fingers}
SLAP_ORDER = (Slap.LEFT, Slap.RIGHT, Slap.THUMBS)  # the 4-4-2 order MOSIP's client uses

EYE_SUBTYPES: dict[Eyes, tuple[str, ...]] = {Eyes.LEFT: ("Left",), Eyes.RIGHT: ("Right",), Eyes.BOTH: ("Left", "Right")}

# MOSIP's registration client defaults (scale 0-100).
FINGER_THRESHOLD = 40.0
IRIS_THRESHOLD = 60.0
ATTEMPTS = 3


def new_transaction_id() -> str:
    return str(uuid.uuid4())


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def subtypes_for(bio_type: BioType, sub_id: int) -> tuple[str, ...]:
    """Every bioSubType a deviceSubId covers (face: none)."""
    if bio_type == BioType.FINGER:
        return tuple(FINGER_SUBTYPES[f] for f in SLAP_FINGERS[Slap(sub_id)])
    if bio_type == BioType.IRIS:
        return EYE_SUBTYPES[Eyes(sub_id)]
    return ()


def rcapture_request(
    *,
    bio_type: BioType,
    sub_id: int,
    device_id: str,
    previous_hash: str,
    requested_score: float,
    timeout_ms: int,
    env: str,
    exceptions: Sequence[str] = (),
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """The RCAPTURE body for one slap, eye pair or face: asks for every subtype of
    `sub_id` that is not an exception, and names the exceptions (MOSIP's client does
    the same, so a device never waits for a missing finger)."""
    excepted = [s for s in exceptions]
    wanted = [s for s in subtypes_for(bio_type, sub_id) if s not in excepted]
    return {
        "env": env,
        "purpose": PURPOSE_REGISTRATION,
        "specVersion": SPEC_VERSION,
        "timeout": int(timeout_ms),
        "captureTime": iso_now(),
        "transactionId": transaction_id or new_transaction_id(),
        "bio": [
            {
                "type": bio_type.value,
                "count": len(wanted) if bio_type != BioType.FACE else 1,
                "bioSubType": wanted,
                "exception": excepted,
                "requestedScore": requested_score,
                "deviceId": device_id,
                "deviceSubId": int(sub_id),
                "previousHash": previous_hash,
            }
        ],
        "customOpts": None,
    }
