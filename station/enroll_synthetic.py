"""`station enroll-synthetic`: seal N complete synthetic enrollments, fast.

Each resident goes through the same EnrollmentWorkflow as in the app, in the same
e-KTP order (data, photo, signature, fingerprints, both irises), with the same
validation, completeness rules and supervisor approval for a missing finger or eye;
only the grouping of transactions differs: `batch` sealed records share one commit,
which is what makes bulk loads fast. Each record is still all-or-nothing and the
sequence stays gap-free, because a batch commits or rolls back whole.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date

from common.biometrics import FingerPosition, ItemException
from common.progress import CancelToken, Progress, no_progress
from station.auth import User
from station.core import StationCore
from station.synthetic import synthetic_resident
from station.synthetic_biometrics import SyntheticBiometrics
from station.workflow import EnrollmentWorkflow
from store.records import EnrollmentData, SealResult


class _NoDrafts:
    """Synthetic records are built in memory: there is nothing to recover after a crash."""

    def save_draft(self, data: EnrollmentData) -> None:
        return None

    def discard_draft(self, record_uuid: str, *, actor: str) -> None:
        return None

    def seal(self, data: EnrollmentData, *, actor: str) -> SealResult:  # pragma: no cover - never called
        raise AssertionError("enroll-synthetic seals in batches")


@dataclass(frozen=True)
class SyntheticReport:
    count: int
    seconds: float
    first_reg: str | None
    last_reg: str | None

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


def build_synthetic(
    seed: int, operator: User, approver: User, biometrics: SyntheticBiometrics, today: date
) -> EnrollmentData:
    resident = synthetic_resident(seed, today)
    wf = EnrollmentWorkflow(_NoDrafts(), operator, today=lambda: today)
    wf.submit_demographics(resident.demographics)
    wf.set_face(biometrics.face(seed, resident.demographics.tanggal_lahir.year))
    wf.set_signature(biometrics.signature(seed))
    for position in FingerPosition:
        if resident.missing_finger == int(position):
            wf.set_finger_exception(position, ItemException.BANDAGED, note="synthetic", approver=approver)
        else:
            wf.set_finger(position, biometrics.finger(seed, position))
    excepted_eye = _excepted_eye(seed)
    for eye in ("right", "left"):
        if eye == excepted_eye:
            wf.set_iris_exception(eye, ItemException.EYE_CONDITION, note="synthetic", approver=approver)
        else:
            wf.set_iris(eye, biometrics.iris(seed, eye))
    return wf.sealable_data()


def _excepted_eye(seed: int) -> str | None:
    """About one resident in 200 has an eye that cannot be captured (deterministic per seed)."""
    rng = random.Random(seed * 7919 + 3)
    return rng.choice(("right", "left")) if rng.random() < 0.005 else None


def enroll_synthetic(
    core: StationCore,
    count: int,
    *,
    seed: int,
    operator: User,
    approver: User,
    batch: int = 100,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    biometrics: SyntheticBiometrics | None = None,
) -> SyntheticReport:
    biometrics = biometrics or SyntheticBiometrics()
    today = date.today()
    started = time.perf_counter()
    done = 0
    first: str | None = None
    last: str | None = None
    while done < count:
        if cancel is not None:
            cancel.raise_if_cancelled()
        n = min(batch, count - done)
        records = [build_synthetic(seed + done + i, operator, approver, biometrics, today) for i in range(n)]
        results = core.enrollments.seal_many(records, actor=operator.username)
        first = first or results[0].reg_no
        last = results[-1].reg_no
        done += n
        elapsed = time.perf_counter() - started
        progress(done / count, f"{done}/{count} sealed, {done / elapsed:.0f}/s")
    return SyntheticReport(done, time.perf_counter() - started, first, last)
