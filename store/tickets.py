"""Storing the counter's tickets: their state changes, and appointments.

Every state change is one write transaction (BEGIN IMMEDIATE behind the process's
writer lock) that also appends its audit event, so two counters pressing "call next"
at the same instant are serialised and can never be handed the same ticket; the
UPDATE is guarded by the state it expects as well, so a ticket that changed under us
is refused rather than overwritten.

Traps:
- the day is the station's *local* date and is decided by the caller (station.tickets),
  which also owns the clock; this module never calls `date.today()`;
- an appointment's NIK is decrypted only here, and only for the caller to mask it or
  hand it to the enrollment form; it never goes into a log, an audit detail or an
  error message;
- the table is still `queue_tickets` and the audit actions still `queue_*` (stored
  values, kept so that no migration is needed and old audit trails read the same).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from common.errors import StateError, ValidationError
from common.progress import CancelToken, Progress, no_progress
from common.text import Text
from store import audit
from store.crypto import DataKey
from store.db import Database
from store.enrollments import DRAFT, normalise_name
from store.models import Enrollment
from store.ticket_models import CALLED, NO_SHOW, SERVED, WAITING, Appointment, Ticket

log = logging.getLogger(__name__)

APPOINTMENT_KIND = "appointment"
TICKET_PREFIX = "A"


@dataclass(frozen=True)
class TicketRecord:
    ticket_id: int
    day: str
    number: str
    state: str
    name: str | None
    appointment_id: int | None
    slot: str | None
    issued_at: datetime
    waiting_since: datetime
    called_at: datetime | None
    called_by: str | None
    served_at: datetime | None
    record_uuid: str | None
    requeues: int


@dataclass(frozen=True)
class AppointmentRecord:
    """One appointment, decrypted: the caller masks the NIK before showing it."""

    appointment_id: int
    day: str
    slot: str
    name: str
    nik: str
    checked_in_at: datetime | None
    ticket_number: str | None


@dataclass(frozen=True)
class NewAppointment:
    line: int
    day: str
    slot: str
    name: str
    nik: str


@dataclass(frozen=True)
class StoredImport:
    imported: int
    already_listed: list[int]  # line numbers of rows the list already had


def format_number(seq: int, prefix: str = TICKET_PREFIX) -> str:
    return f"{prefix}-{seq:03d}"


def _record(t: Ticket, slot: str | None) -> TicketRecord:
    return TicketRecord(
        t.id,
        t.day,
        t.number,
        t.state,
        t.name,
        t.appointment_id,
        slot,
        t.issued_at,
        t.waiting_since,
        t.called_at,
        t.called_by,
        t.served_at,
        t.record_uuid,
        t.requeues,
    )


def _target(t: Ticket) -> str:
    return f"{t.day} {t.number}"


def _unknown_ticket() -> StateError:
    return StateError(Text("Tiket tidak ditemukan.", "No such ticket."), code="tickets.unknown_ticket")


def _wrong_state(t: Ticket, expected: str) -> StateError:
    labels = {
        WAITING: Text("masih menunggu", "still waiting"),
        CALLED: Text(f"sudah dipanggil oleh {t.called_by}", f"already called by {t.called_by}"),
        SERVED: Text("sudah dilayani", "already served"),
        NO_SHOW: Text("ditandai tidak hadir", "marked as a no-show"),
    }
    now_is = labels.get(t.state, Text(t.state, t.state))
    want = {WAITING: Text("menunggu", "waiting"), CALLED: Text("dipanggil", "called")}[expected]
    return StateError(
        Text(
            f"Tiket {t.number} {now_is.id}; hanya tiket yang {want.id} yang bisa diproses.",
            f"Ticket {t.number} is {now_is.en}; only a {want.en} ticket can be handled this way.",
        ),
        code="tickets.ticket_state",
    )


class TicketRepository:
    def __init__(self, db: Database, key: DataKey) -> None:
        self.db = db
        self.key = key

    # --- tickets --------------------------------------------------------------

    def _issue(
        self,
        session: Session,
        *,
        day: str,
        now: datetime,
        actor: str | None,
        name: str | None,
        appointment_id: int | None,
    ) -> Ticket:
        seq = (session.scalar(select(func.max(Ticket.seq)).where(Ticket.day == day)) or 0) + 1
        last_pos = session.scalar(select(func.max(Ticket.position)).where(Ticket.day == day)) or 0
        ticket = Ticket(
            day=day,
            seq=seq,
            number=format_number(seq),
            position=last_pos + 1,
            state=WAITING,
            name=normalise_name(name) if name and name.strip() else None,
            appointment_id=appointment_id,
            issued_at=now,
            issued_by=actor,
            waiting_since=now,
            requeues=0,
        )
        session.add(ticket)
        session.flush()
        audit.append(
            session,
            "queue_issue",
            actor=actor,
            target=_target(ticket),
            detail={"ticket_id": ticket.id, "appointment_id": appointment_id},
            at=now,
        )
        return ticket

    def issue(self, *, day: str, now: datetime, actor: str | None, name: str | None = None) -> TicketRecord:
        with self.db.write() as session:
            ticket = self._issue(session, day=day, now=now, actor=actor, name=name, appointment_id=None)
            log.info("issued ticket %s %s", day, ticket.number)
            return _record(ticket, None)

    def check_in(self, appointment_id: int, *, day: str, now: datetime, actor: str | None) -> TicketRecord:
        """Issue the ticket of today's appointment; refuse a second check-in or another day's."""
        with self.db.write() as session:
            appt = session.get(Appointment, appointment_id)
            if appt is None:
                raise StateError(
                    Text("Janji temu tidak ditemukan.", "No such appointment."), code="tickets.unknown_appointment"
                )
            if appt.day != day:
                raise StateError(
                    Text(
                        f"Janji temu ini untuk tanggal {appt.day}, bukan hari ini.",
                        f"This appointment is for {appt.day}, not today.",
                    ),
                    code="tickets.appointment_day",
                )
            existing = session.scalar(select(Ticket).where(Ticket.appointment_id == appointment_id))
            if existing is not None:
                raise StateError(
                    Text(
                        f"Janji temu ini sudah check-in dengan tiket {existing.number}.",
                        f"This appointment is already checked in with ticket {existing.number}.",
                    ),
                    code="tickets.already_checked_in",
                )
            appt.checked_in_at = now
            ticket = self._issue(
                session, day=day, now=now, actor=actor, name=appt.name_search, appointment_id=appointment_id
            )
            log.info("checked in appointment %d as %s %s", appointment_id, day, ticket.number)
            return _record(ticket, appt.slot)

    def _slot(self, session: Session, ticket: Ticket) -> str | None:
        if ticket.appointment_id is None:
            return None
        return session.scalar(select(Appointment.slot).where(Appointment.id == ticket.appointment_id))

    def _transition(self, session: Session, ticket: Ticket, expected: str, values: dict[str, object]) -> None:
        """Move `ticket` out of `expected`, guarded by the state in the UPDATE itself."""
        done = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.state == expected)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(ticket)
            raise _wrong_state(ticket, expected)
        session.refresh(ticket)

    def call_next(self, *, day: str, now: datetime, actor: str | None) -> TicketRecord | None:
        """The oldest waiting ticket of `day`, now CALLED by `actor`; None if nobody waits."""
        with self.db.write() as session:
            ticket = session.scalar(
                select(Ticket)
                .where(Ticket.day == day, Ticket.state == WAITING)
                .order_by(Ticket.position, Ticket.id)
                .limit(1)
            )
            if ticket is None:
                return None
            return self._call(session, ticket, now=now, actor=actor)

    def call(self, ticket_id: int, *, day: str, now: datetime, actor: str | None) -> TicketRecord:
        with self.db.write() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.day != day:
                raise _unknown_ticket()
            return self._call(session, ticket, now=now, actor=actor)

    def _call(self, session: Session, ticket: Ticket, *, now: datetime, actor: str | None) -> TicketRecord:
        self._transition(session, ticket, WAITING, {"state": CALLED, "called_at": now, "called_by": actor})
        audit.append(
            session, "queue_call", actor=actor, target=_target(ticket), detail={"ticket_id": ticket.id}, at=now
        )
        log.info("called ticket %s %s", ticket.day, ticket.number)
        return _record(ticket, self._slot(session, ticket))

    def no_show(self, ticket_id: int, *, now: datetime, actor: str | None, requeue: bool = False) -> TicketRecord:
        """A called resident did not come: NO_SHOW, or back to the end of the line."""
        with self.db.write() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise _unknown_ticket()
            if requeue:
                last = session.scalar(select(func.max(Ticket.position)).where(Ticket.day == ticket.day)) or 0
                values: dict[str, object] = {
                    "state": WAITING,
                    "position": last + 1,
                    "waiting_since": now,
                    "called_at": None,
                    "called_by": None,
                    "requeues": ticket.requeues + 1,
                }
                action = "queue_requeue"
            else:
                values = {"state": NO_SHOW, "no_show_at": now}
                action = "queue_no_show"
            self._transition(session, ticket, CALLED, values)
            audit.append(session, action, actor=actor, target=_target(ticket), detail={"ticket_id": ticket.id}, at=now)
            log.info("%s %s %s", action, ticket.day, ticket.number)
            return _record(ticket, self._slot(session, ticket))

    def served(self, ticket_id: int, record_uuid: str, *, now: datetime, actor: str | None) -> TicketRecord:
        """A called ticket's resident was enrolled: link the sealed record. Idempotent for the same record."""
        with self.db.write() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise _unknown_ticket()
            if ticket.state == SERVED and ticket.record_uuid == record_uuid:
                return _record(ticket, self._slot(session, ticket))
            state = session.scalar(select(Enrollment.state).where(Enrollment.uuid == record_uuid))
            if state is None or state == DRAFT:
                raise ValidationError(
                    Text(
                        "Tiket hanya bisa ditandai selesai dengan rekaman yang sudah disegel.",
                        "A ticket can only be marked served with a sealed record.",
                    ),
                    code="tickets.record_not_sealed",
                )
            self._transition(session, ticket, CALLED, {"state": SERVED, "served_at": now, "record_uuid": record_uuid})
            audit.append(
                session,
                "queue_served",
                actor=actor,
                target=_target(ticket),
                detail={"ticket_id": ticket.id, "uuid": record_uuid},
                at=now,
            )
            log.info("served ticket %s %s with %s", ticket.day, ticket.number, record_uuid)
            return _record(ticket, self._slot(session, ticket))

    def tickets(self, day: str, states: Sequence[str]) -> list[TicketRecord]:
        """`day`'s tickets in those states, in line order."""
        with self.db.read() as session:
            rows = session.execute(
                select(Ticket, Appointment.slot)
                .outerjoin(Appointment, Appointment.id == Ticket.appointment_id)
                .where(Ticket.day == day, Ticket.state.in_(states))
                .order_by(Ticket.position, Ticket.id)
            )
            return [_record(t, slot) for t, slot in rows]

    def ticket(self, ticket_id: int) -> TicketRecord | None:
        with self.db.read() as session:
            t = session.get(Ticket, ticket_id)
            return None if t is None else _record(t, self._slot(session, t))

    # --- appointments ---------------------------------------------------------

    def _open(self, appt: Appointment) -> dict[str, str]:
        data = json.loads(self.key.decrypt(appt.sealed, record_uuid=appt.uuid, kind=APPOINTMENT_KIND))
        return {"nama": str(data["nama"]), "nik": str(data["nik"])}

    def appointments(self, day: str) -> list[AppointmentRecord]:
        with self.db.read() as session:
            rows = session.execute(
                select(Appointment, Ticket.number)
                .outerjoin(Ticket, Ticket.appointment_id == Appointment.id)
                .where(Appointment.day == day)
                .order_by(Appointment.slot, Appointment.name_search, Appointment.id)
            )
            out = []
            for appt, number in rows:
                identity = self._open(appt)
                out.append(
                    AppointmentRecord(
                        appt.id, appt.day, appt.slot, appt.name_search, identity["nik"], appt.checked_in_at, number
                    )
                )
            return out

    def identity(self, appointment_id: int) -> dict[str, str] | None:
        """What the appointment knows for the enrollment form: {"nama", "nik"}."""
        with self.db.read() as session:
            appt = session.get(Appointment, appointment_id)
            return None if appt is None else self._open(appt)

    def import_appointments(
        self,
        rows: Sequence[NewAppointment],
        *,
        now: datetime,
        actor: str | None,
        source_sha256: str,
        refused: int,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> StoredImport:
        """Add the rows the list does not have yet (same day and NIK): one transaction,
        so a cancel or a crash imports nothing rather than half a file."""
        cancel = cancel or CancelToken()
        already: list[int] = []
        imported = 0
        with self.db.write() as session:
            days = sorted({r.day for r in rows})
            listed = select(Appointment.day, Appointment.nik_index).where(Appointment.day.in_(days))
            have = {(day, index) for day, index in session.execute(listed)}
            for n, row in enumerate(rows, 1):
                index = self.key.nik_index(row.nik)
                if (row.day, index) in have:
                    already.append(row.line)
                else:
                    have.add((row.day, index))
                    appt_uuid = str(uuid.uuid4())
                    body = json.dumps({"nama": row.name, "nik": row.nik}, sort_keys=True).encode()
                    session.add(
                        Appointment(
                            uuid=appt_uuid,
                            day=row.day,
                            slot=row.slot,
                            name_search=normalise_name(row.name),
                            nik_index=index,
                            sealed=self.key.encrypt(body, record_uuid=appt_uuid, kind=APPOINTMENT_KIND),
                            imported_at=now,
                            imported_by=actor,
                        )
                    )
                    imported += 1
                if n % 200 == 0:
                    cancel.raise_if_cancelled()
                    session.flush()
                    progress(0.5 + 0.5 * n / len(rows), f"{n}/{len(rows)}")
            cancel.raise_if_cancelled()
            audit.append(
                session,
                "appointments_import",
                actor=actor,
                target=source_sha256[:16],
                detail={
                    "imported": imported,
                    "already_listed": len(already),
                    "refused": refused,
                    "sha256": source_sha256,
                },
                at=now,
            )
        log.info("appointments import: %d added, %d already listed, %d refused", imported, len(already), refused)
        return StoredImport(imported, already)
