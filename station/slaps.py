"""The 4-4-2 slap plan of the fingerprint step, for a slap scanner (MOSIP SBI).

A slap scanner takes the left four fingers, the right four and both thumbs at once
(in that order, MOSIP's). These are the step's rules, written once for the wizard and
any script (STYLE 17): which fingers a slap asks the device for, which approved
exceptions go into the SBI request's `exception[]`, which slap comes next, whether a
kept slap passed MOSIP's threshold (40, best of up to 3 attempts), and what a wrong
hand or a short slap means for the operator.

A slap is recorded as ordinary finger items (`EnrollmentWorkflow.set_finger`), and a
finger that cannot be taken is the workflow's supervisor-approved finger exception
(`set_finger_exception`), exactly as in the single-finger flow: the record, the packet
and the review page do not know whether a finger came from a slap.

Traps:
- an exception is sent to the device as missing; the device then returns fewer
  fingers, which is right (a slap of 3 with the index bandaged is complete);
- an exception approved while its slap was being captured wins over that capture's
  finger (`record_slap` leaves it), so a cancelled race never undoes a supervisor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from common.biometrics import CapturedItem, FingerPosition
from common.progress import CancelToken
from common.text import Text
from devices.base import DeviceError
from devices.sbi.errors import WrongSubtypes
from devices.sbi.finger import SLAP_LABELS, SbiFingerprintScanner, SlapCapture
from devices.sbi.spec import (
    ATTEMPTS,
    FINGER_BY_SUBTYPE,
    FINGER_SUBTYPES,
    FINGER_THRESHOLD,
    SLAP_FINGERS,
    SLAP_OF,
    SLAP_ORDER,
    Slap,
)
from station.captures import finger_capture
from station.workflow import EnrollmentWorkflow

log = logging.getLogger(__name__)

THRESHOLD = FINGER_THRESHOLD  # MOSIP's default device score a finger must reach (0-100)
SLAP_ATTEMPTS = ATTEMPTS  # attempts per slap, the best kept
PREVIEW_S = 120.0  # the longest a slap's live preview runs (it stops with the capture)

# What the resident does wrong, not the device: shown with Retry, the device stays READY.
RESIDENT_CODES = frozenset({"sbi.wrong_hand", "sbi.missing_finger", "sbi.no_object"})

Items = Mapping[str, CapturedItem]


@dataclass(frozen=True)
class SlapPlan:
    """What one slap asks the device for."""

    slap: Slap
    fingers: tuple[FingerPosition, ...]  # asked for, in the spec's order
    exceptions: tuple[FingerPosition, ...]  # approved exceptions of this slap, sent in exception[]

    @property
    def label(self) -> Text:
        return SLAP_LABELS[self.slap]

    @property
    def exception_names(self) -> list[str]:
        """The SBI `exception[]` of the request (bioSubType spellings)."""
        return [FINGER_SUBTYPES[p] for p in self.exceptions]

    @property
    def needed(self) -> bool:
        """False when every finger of the slap is an exception: nothing to capture."""
        return bool(self.fingers)


def slap_scanner(device: object) -> SbiFingerprintScanner | None:
    """The device as a 4-4-2 slap scanner (the slap flow), or None: any other scanner, such
    as an EF01 module on a serial port, keeps the single-finger flow."""
    if isinstance(device, SbiFingerprintScanner) and device.is_slap_scanner:
        return device
    return None


def kept_attempt(capture: SlapCapture) -> int:
    """Which attempt the driver kept (its `attempts` is how many were taken)."""
    taken = capture.attempt_scores
    return next((n for n, scores in enumerate(taken, 1) if scores == capture.scores), len(taken))


def slap_label(slap: Slap) -> Text:
    """ "Empat jari tangan kiri" / "Left four fingers"..."""
    return SLAP_LABELS[slap]


def slap_of(position: FingerPosition) -> Slap:
    return SLAP_OF[position]


def fingers_of(slap: Slap) -> tuple[FingerPosition, ...]:
    return SLAP_FINGERS[slap]


def excepted_fingers(items: Items) -> frozenset[FingerPosition]:
    """The fingers recorded as (supervisor-approved) exceptions."""
    return frozenset(p for p in FingerPosition if (i := items.get(p.item_kind)) is not None and i.exception_reason)


def plan_slap(slap: Slap, items: Items) -> SlapPlan:
    """The slap's request: every finger that is not an exception, and the exceptions."""
    excepted = excepted_fingers(items)
    fingers = fingers_of(slap)
    return SlapPlan(slap, tuple(p for p in fingers if p not in excepted), tuple(p for p in fingers if p in excepted))


def slap_done(slap: Slap, items: Items) -> bool:
    """Every finger of the slap is captured or an exception."""
    return all(p.item_kind in items for p in fingers_of(slap))


def next_slap(items: Items, after: Slap | None = None) -> Slap | None:
    """The first slap still to take, in the 4-4-2 order after `after` (wrapping round);
    None when all ten fingers are captured or exceptions."""
    start = SLAP_ORDER.index(after) + 1 if after is not None else 0
    for slap in SLAP_ORDER[start:] + SLAP_ORDER[:start]:
        if not slap_done(slap, items):
            return slap
    return None


@dataclass(frozen=True)
class SlapVerdict:
    """What a kept slap means: passed, or the best of its attempts with fingers below the threshold."""

    passed: bool
    below: tuple[FingerPosition, ...]
    attempts: int
    text: Text


def verdict(capture: SlapCapture) -> SlapVerdict:
    """Whether the kept slap reached the threshold; below it after the last attempt, the
    best is still kept (as MOSIP's client does) and the operator is told which fingers."""
    label = SLAP_LABELS[capture.slap]
    below = tuple(capture.below_threshold)
    t = f"{capture.threshold:.0f}"
    if not below:
        return SlapVerdict(
            True, (), capture.attempts,
            Text(
                f"{label.id}: semua jari mencapai ambang {t} (percobaan {capture.attempts}).",
                f"{label.en}: every finger reached the threshold {t} (attempt {capture.attempts}).",
            ),
        )  # fmt: skip
    names_id = ", ".join(p.label.id.lower() for p in below)
    names_en = ", ".join(p.label.en.lower() for p in below)
    return SlapVerdict(
        False, below, capture.attempts,
        Text(
            f"{label.id}: yang terbaik dari {capture.attempts} percobaan disimpan; di bawah ambang {t}: {names_id}. "
            "Bersihkan jari dan kaca lalu ambil ulang, atau lanjutkan.",
            f"{label.en}: kept the best of {capture.attempts} attempts; below the threshold {t}: {names_en}. "
            "Clean the fingers and the glass and re-capture, or go on.",
        ),
    )  # fmt: skip


def slap_items(capture: SlapCapture) -> dict[FingerPosition, CapturedItem]:
    """Each finger of a kept slap as its record item (WSQ, the device's score)."""
    return {p: finger_capture(c) for p, c in capture.fingers.items()}


def record_slap(wf: EnrollmentWorkflow, capture: SlapCapture) -> list[FingerPosition]:
    """Set each finger of a kept slap in the workflow; a finger recorded as an exception
    since the request was made is left as it is (see the module's traps). Returns the
    fingers set."""
    excepted = excepted_fingers(wf.enrollment.items)
    recorded: list[FingerPosition] = []
    for position, item in slap_items(capture).items():
        if position in excepted:
            log.info("slap %s: finger %d became an exception during the capture; kept", capture.slap.name, position)
            continue
        wf.set_finger(position, item)
        recorded.append(position)
    return recorded


def capture_with_preview(
    scanner: SbiFingerprintScanner,
    slap: Slap,
    *,
    on_frame: Callable[[np.ndarray], None],
    cancel: CancelToken | None = None,
    **capture: Any,
) -> SlapCapture:
    """`scanner.capture_slap(slap, **capture)` with the device's live preview of the slap
    running meanwhile (BGR frames to `on_frame`, on the stream's own thread), stopped when
    the capture ends however it ends. The preview helps the operator place the hand; one
    that cannot start is logged and the capture goes on without it."""
    try:
        scanner.start_preview(slap, on_frame, duration_s=PREVIEW_S)
    except DeviceError as exc:
        log.warning("slap %s: no live preview from %s (%s)", slap.name, scanner.port_name, exc.code)
    try:
        return scanner.capture_slap(slap, cancel=cancel, **capture)
    finally:
        scanner.stop_preview()


@dataclass(frozen=True)
class SlapProblem:
    """A slap the resident must place again: the wrong hand, fingers not read, nothing read."""

    code: str
    slap: Slap
    missing: tuple[FingerPosition, ...]  # fingers asked for but not read
    text: Text  # what happened and what to do

    @property
    def may_be_exception(self) -> bool:
        """Fingers were not read: one may really be missing or bandaged (an exception)."""
        return bool(self.missing)


def slap_problem(error: BaseException, slap: Slap) -> SlapProblem | None:
    """The resident's problem behind a failed slap, or None for anything else (the device's
    fault: a bad signature, a broken chain, a busy or absent device...)."""
    if not isinstance(error, DeviceError) or error.code not in RESIDENT_CODES:
        return None
    missing: tuple[FingerPosition, ...] = ()
    if isinstance(error, WrongSubtypes):
        missing = tuple(FINGER_BY_SUBTYPE[s] for s in error.missing if s in FINGER_BY_SUBTYPE)
    message = error.message
    if error.remedy is not None:
        message = Text(f"{message.id} {error.remedy.id}", f"{message.en} {error.remedy.en}")
    return SlapProblem(error.code, slap, missing, message)
