"""The enrollment workflow: a plain state machine, driven by the app or by scripts.

Steps, in the official e-KTP capture order (data verification, photo, signature,
fingerprints, iris): DEMOGRAPHICS -> PHOTO -> SIGNATURE -> FINGERPRINTS -> IRIS ->
REVIEW -> SEALED. Each finger and each eye is a capture or an exception a supervisor
approved, with a reason that fits it (`common.biometrics.exception_reasons`).
The wizard renders `step` and feeds input back; it adds no rules of its own. Every
accepted input is saved as a draft through the `DraftSink`, so a crash or power cut
loses at most the step in progress. `seal()` can succeed once: a second call (a
double click, Enter pressed twice) raises StateError instead of sealing twice.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Protocol

from common.biometrics import (
    FACE,
    IRIS_ITEM_KINDS,
    ITEM_EXCEPTION_LABELS,
    SIGNATURE,
    CapturedItem,
    FingerPosition,
    ItemException,
    exception_reasons,
    iris_kind,
    item_kind_label,
)
from common.errors import StateError, ValidationError
from common.text import Text
from station.auth import Role, User
from station.demographics import Demographics, normalised, require_valid
from store.records import EnrollmentData, SealResult


class Step(StrEnum):
    DEMOGRAPHICS = "demographics"
    PHOTO = "photo"
    SIGNATURE = "signature"
    FINGERPRINTS = "fingerprints"
    IRIS = "iris"
    REVIEW = "review"
    SEALED = "sealed"


ORDER = [Step.DEMOGRAPHICS, Step.PHOTO, Step.SIGNATURE, Step.FINGERPRINTS, Step.IRIS, Step.REVIEW, Step.SEALED]
CAPTURE_STEPS = ORDER[: ORDER.index(Step.REVIEW)]  # what must be complete before the review

STEP_LABELS = {
    Step.DEMOGRAPHICS: Text("Data diri", "Demographics"),
    Step.PHOTO: Text("Foto", "Photo"),
    Step.FINGERPRINTS: Text("Sidik jari", "Fingerprints"),
    Step.SIGNATURE: Text("Tanda tangan", "Signature"),
    Step.IRIS: Text("Iris", "Iris"),
    Step.REVIEW: Text("Periksa", "Review"),
    Step.SEALED: Text("Selesai", "Sealed"),
}


class DraftSink(Protocol):
    def save_draft(self, data: EnrollmentData) -> None: ...

    def discard_draft(self, record_uuid: str, *, actor: str) -> None: ...

    def seal(self, data: EnrollmentData, *, actor: str) -> SealResult: ...


@dataclass
class EnrollmentDraft:
    """The record being captured, as the workflow holds it (the store's row is `store.models.Enrollment`)."""

    uuid: str
    operator: str
    demographics: Demographics | None = None
    items: dict[str, CapturedItem] = field(default_factory=dict)
    corrects_uuid: str | None = None
    ticket_id: int | None = None  # the called ticket this record serves (served by the seal)


def _require_kind(item: CapturedItem, kind: str) -> None:
    # The item is built with its kind (station.captures); a finger given for the face
    # or for another finger is a caller's mistake, not a resident's.
    if item.kind != kind:
        raise ValueError(f"a {item.kind} item given as {kind}")


class EnrollmentWorkflow:
    def __init__(
        self,
        sink: DraftSink,
        operator: User,
        *,
        today: Callable[[], date] = date.today,
        record_uuid: str | None = None,
        corrects_uuid: str | None = None,
        ticket_id: int | None = None,
    ) -> None:
        self.sink = sink
        self.operator = operator
        self.today = today
        self.enrollment = EnrollmentDraft(
            record_uuid or str(uuidlib.uuid4()), operator.username, corrects_uuid=corrects_uuid, ticket_id=ticket_id
        )
        self.step = Step.DEMOGRAPHICS
        self.sealed: SealResult | None = None

    # --- navigation -----------------------------------------------------------

    def _require_open(self) -> None:
        if self.step == Step.SEALED:
            raise StateError(
                Text("Rekaman sudah disegel; tidak dapat diubah.", "The record is sealed and cannot be changed."),
                code="state.already_sealed",
            )

    def complete(self, step: Step) -> bool:
        e = self.enrollment
        if step == Step.DEMOGRAPHICS:
            return e.demographics is not None
        if step == Step.PHOTO:
            return FACE in e.items
        if step == Step.FINGERPRINTS:
            return all(p.item_kind in e.items for p in FingerPosition)
        if step == Step.SIGNATURE:
            return SIGNATURE in e.items
        if step == Step.IRIS:
            return all(kind in e.items for kind in IRIS_ITEM_KINDS.values())
        return step == Step.REVIEW and all(self.complete(s) for s in CAPTURE_STEPS)

    def go_to(self, step: Step) -> None:
        """Go back to any step, or forward to the first incomplete one at most."""
        self._require_open()
        if step == Step.SEALED:
            raise StateError(Text("Gunakan Segel.", "Use Seal."), code="state.use_seal")
        for earlier in ORDER[: ORDER.index(step)]:
            if not self.complete(earlier):
                raise StateError(
                    Text(
                        f"Langkah '{STEP_LABELS[earlier].id}' belum lengkap.",
                        f"Step '{STEP_LABELS[earlier].en}' is not complete yet.",
                    ),
                    code="state.incomplete_step",
                )
        self.step = step
        self._save()

    def _advance_from(self, step: Step) -> None:
        if self.step == step:
            nxt = ORDER[ORDER.index(step) + 1]
            while nxt != Step.REVIEW and self.complete(nxt):
                nxt = ORDER[ORDER.index(nxt) + 1]
            self.step = nxt
        self._save()

    def missing(self) -> list[Text]:
        """What still stops sealing, in words for the review page."""
        out: list[Text] = []
        e = self.enrollment
        if e.demographics is None:
            out.append(Text("Data diri belum diisi.", "Demographics are missing."))
        if FACE not in e.items:
            out.append(Text("Foto wajah belum diambil.", "The face photo is missing."))
        if SIGNATURE not in e.items:
            out.append(Text("Tanda tangan belum diambil.", "The signature is missing."))
        for p in FingerPosition:
            if p.item_kind not in e.items:
                out.append(Text(f"{p.label.id}: belum diambil.", f"{p.label.en}: not captured."))
        for kind in IRIS_ITEM_KINDS.values():
            if kind not in e.items:
                label = item_kind_label(kind)
                out.append(Text(f"{label.id}: belum diambil.", f"{label.en}: not captured."))
        return out

    # --- inputs ---------------------------------------------------------------

    def submit_demographics(self, d: Demographics) -> None:
        self._require_open()
        d = normalised(d)
        require_valid(d, self.today())
        self.enrollment.demographics = d
        self._advance_from(Step.DEMOGRAPHICS)

    def set_face(self, item: CapturedItem) -> None:
        self._require_open()
        self._need(Step.DEMOGRAPHICS)
        _require_kind(item, FACE)
        self.enrollment.items[FACE] = item
        self._advance_from(Step.PHOTO)

    def set_finger(self, position: FingerPosition, item: CapturedItem) -> None:
        self._require_open()
        self._need(Step.DEMOGRAPHICS)
        _require_kind(item, position.item_kind)
        self.enrollment.items[position.item_kind] = item
        if self.complete(Step.FINGERPRINTS):
            self._advance_from(Step.FINGERPRINTS)
        else:
            self._save()

    def set_finger_exception(
        self, position: FingerPosition, reason: ItemException, *, note: str = "", approver: User
    ) -> None:
        """A finger that cannot be captured; a supervisor must approve it."""
        self._set_exception(position.item_kind, reason, note, approver)
        if self.complete(Step.FINGERPRINTS):
            self._advance_from(Step.FINGERPRINTS)
        else:
            self._save()

    def set_iris(self, eye: str, item: CapturedItem) -> None:
        """One eye's capture (`eye` "left" or "right", the resident's); the step is
        complete when both eyes are captured or excepted."""
        self._require_open()
        self._need(Step.DEMOGRAPHICS)
        kind = iris_kind(eye)
        _require_kind(item, kind)
        self.enrollment.items[kind] = item
        if self.complete(Step.IRIS):
            self._advance_from(Step.IRIS)
        else:
            self._save()

    def set_iris_exception(self, eye: str, reason: ItemException, *, note: str = "", approver: User) -> None:
        """An eye that cannot be captured (missing, or a condition such as a cataract or
        an injury); a supervisor must approve it, as for a finger."""
        self._set_exception(iris_kind(eye), reason, note, approver)
        if self.complete(Step.IRIS):
            self._advance_from(Step.IRIS)
        else:
            self._save()

    def set_signature(self, item: CapturedItem) -> None:
        self._require_open()
        self._need(Step.DEMOGRAPHICS)
        _require_kind(item, SIGNATURE)
        self.enrollment.items[SIGNATURE] = item
        self._advance_from(Step.SIGNATURE)

    def set_signature_exception(self, reason: ItemException, *, note: str, approver: User) -> None:
        """A resident who cannot sign (e.g. both hands injured)."""
        self._set_exception(SIGNATURE, reason, note, approver)
        self._advance_from(Step.SIGNATURE)

    def clear_item(self, kind: str) -> None:
        """Retake: forget one item (the step becomes incomplete again)."""
        self._require_open()
        self.enrollment.items.pop(kind, None)
        self._save()

    def _set_exception(self, kind: str, reason: ItemException, note: str, approver: User) -> None:
        """A finger's, an eye's or the signature's exception: checked, then built in one place."""
        self._require_open()
        self._need(Step.DEMOGRAPHICS)
        self._check_exception(kind, reason, note, approver)
        self.enrollment.items[kind] = CapturedItem.exception(kind, reason, note=note, approved_by=approver.username)

    @staticmethod
    def _check_exception(kind: str, reason: ItemException, note: str, approver: User) -> None:
        if approver.role != Role.SUPERVISOR:
            raise StateError(
                Text("Pengecualian harus disetujui supervisor.", "An exception must be approved by a supervisor."),
                code="auth.role",
            )
        if reason not in exception_reasons(kind):
            what, why = item_kind_label(kind), ITEM_EXCEPTION_LABELS[reason]
            raise ValidationError(
                Text(
                    f"Alasan '{why.id}' tidak berlaku untuk {what.id}.",
                    f"Reason '{why.en}' does not apply to {what.en}.",
                ),
                field="reason",
            )
        if reason == ItemException.OTHER and not note.strip():
            raise ValidationError(
                Text("Untuk alasan 'Lainnya', tuliskan keterangannya.", "For reason 'Other', write an explanation."),
                field="note",
            )

    def _need(self, step: Step) -> None:
        if not self.complete(step):
            raise StateError(
                Text(
                    f"Isi langkah '{STEP_LABELS[step].id}' terlebih dahulu.",
                    f"Complete step '{STEP_LABELS[step].en}' first.",
                ),
                code="state.incomplete_step",
            )

    # --- persistence ----------------------------------------------------------

    def to_data(self) -> EnrollmentData:
        e = self.enrollment
        d = e.demographics
        return EnrollmentData(
            uuid=e.uuid,
            operator=e.operator,
            nik=d.nik if d else "",
            name=d.nama if d else "",
            demographics=d.to_json() if d else {},
            items=list(e.items.values()),
            draft_step=self.step.value,
            corrects_uuid=e.corrects_uuid,
            ticket_id=e.ticket_id,
        )

    def _save(self) -> None:
        # A draft exists from the moment demographics are accepted: before that there
        # is nothing worth keeping (and no NIK to index).
        if self.enrollment.demographics is not None:
            self.sink.save_draft(self.to_data())

    def sealable_data(self) -> EnrollmentData:
        """Everything `seal` checks, without sealing: the record as it will be sealed."""
        if self.sealed is not None or self.step == Step.SEALED:
            raise StateError(
                Text("Rekaman ini sudah disegel.", "This record is already sealed."), code="state.already_sealed"
            )
        missing = self.missing()
        if missing:
            raise StateError(
                Text(
                    "Belum dapat disegel: " + "; ".join(m.id for m in missing),
                    "Cannot seal yet: " + "; ".join(m.en for m in missing),
                ),
                code="state.incomplete",
            )
        if self.step != Step.REVIEW:
            raise StateError(
                Text("Periksa rekaman sebelum menyegel.", "Review the record before sealing."),
                code="state.review_first",
            )
        assert self.enrollment.demographics is not None
        require_valid(self.enrollment.demographics, self.today())
        return replace(self.to_data(), draft_step=None)

    def seal(self) -> SealResult:
        """Seal once; a second call raises StateError (double click, Enter twice)."""
        data = self.sealable_data()
        self.sealed = self.sink.seal(data, actor=self.operator.username)
        self.step = Step.SEALED
        return self.sealed

    def snapshot(self) -> WorkflowSnapshot:
        """A frozen copy of what the screens show, taken on the thread that changes the
        workflow (the writer) right after a step was saved; the GUI thread reads only these."""
        e = self.enrollment
        return WorkflowSnapshot(
            uuid=e.uuid,
            operator=e.operator,
            step=self.step,
            demographics=e.demographics,
            items=tuple(e.items.items()),
            complete=tuple(s for s in ORDER[: ORDER.index(Step.SEALED)] if self.complete(s)),
            missing=tuple(self.missing()),
            sealed=self.sealed,
            ticket_id=e.ticket_id,
            corrects_uuid=e.corrects_uuid,
        )

    def serve_ticket(self, ticket_id: int | None) -> None:
        """The called ticket this record serves (a wizard built before the ticket was
        called learns it here); only before anything is saved."""
        if self.enrollment.demographics is not None or self.step != Step.DEMOGRAPHICS:
            raise StateError(
                Text("Tiket hanya dapat dipasang di awal.", "A ticket can only be attached at the start."),
                code="state.ticket_late",
            )
        self.enrollment.ticket_id = ticket_id

    def cancel(self, *, actor: str) -> None:
        """Cancel the enrollment: the stored draft (if any) is discarded and audited;
        a sealed record cannot be cancelled."""
        self._require_open()
        self.sink.discard_draft(self.enrollment.uuid, actor=actor)

    @classmethod
    def resume(cls, sink: DraftSink, operator: User, data: EnrollmentData, **kw: object) -> EnrollmentWorkflow:
        """Continue a draft found in the store after a crash or a lock screen."""
        ids = {"record_uuid": data.uuid, "corrects_uuid": data.corrects_uuid, "ticket_id": data.ticket_id}
        wf = cls(sink, operator, **ids, **kw)  # type: ignore[arg-type]
        wf.enrollment.operator = data.operator
        if data.demographics:
            wf.enrollment.demographics = Demographics.from_json(data.demographics)
        wf.enrollment.items = {i.kind: i for i in data.items}
        step = Step(data.draft_step) if data.draft_step else Step.DEMOGRAPHICS
        wf.step = step if step != Step.SEALED else Step.REVIEW
        return wf


@dataclass(frozen=True)
class WorkflowSnapshot:
    """The workflow as the GUI thread may see it (habit 20): frozen, tuples not lists,
    and every value in it immutable (Demographics, CapturedItem and SealResult are
    frozen too). The writer thread goes on changing the live workflow; a snapshot taken
    earlier never changes with it."""

    uuid: str
    operator: str
    step: Step
    demographics: Demographics | None
    items: tuple[tuple[str, CapturedItem], ...]  # (kind, item) in capture order
    complete: tuple[Step, ...]  # the steps complete when it was taken
    missing: tuple[Text, ...]  # what still stops sealing
    sealed: SealResult | None
    ticket_id: int | None
    corrects_uuid: str | None

    def item(self, kind: str) -> CapturedItem | None:
        return next((item for k, item in self.items if k == kind), None)

    def has(self, kind: str) -> bool:
        return any(k == kind for k, _item in self.items)

    def kinds(self) -> frozenset[str]:
        return frozenset(k for k, _item in self.items)

    def is_complete(self, step: Step) -> bool:
        return step in self.complete
