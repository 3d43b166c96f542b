"""The counter's tickets and the day's appointments: what the desktop app calls.

A resident at the door gets a numbered ticket (`A-001`, restarting every local day);
the counter calls the oldest waiting ticket, or a specific one, and marks it served
with the sealed record's UUID or as a no-show (optionally back to the end of the
line). Residents with an appointment are checked in from the imported list, which
issues their ticket; calling such a ticket hands the enrollment form what the list
knows (`{"nama", "nik"}`). Reading the list's CSV is station.appointments_csv's job;
this module stores its good rows.

Every call takes the operator's username, which the audit log records. Results are
plain frozen dataclasses; a NIK leaves this module only masked, or in the prefill for
the field where the operator would have typed it.

Every change (a ticket issued, called, served or a no-show, a check-in, an import)
is announced as `Change.TICKETS` on the station's notifier after it is committed, so
the counter's panel refreshes on it instead of polling.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from common.progress import CancelToken, Progress, no_progress
from station.appointments_csv import ImportReport, parse_appointments_csv, read_csv_file
from station.demographics import validate_field
from station.events import Change, Notifier
from station.nik import mask_nik
from store.crypto import DataKey
from store.db import Database
from store.ticket_models import CALLED, SERVED, WAITING
from store.tickets import AppointmentRecord, TicketRecord, TicketRepository
from store.types import utcnow

log = logging.getLogger(__name__)

__all__ = [
    "CALLED",
    "SERVED",
    "WAITING",
    "AppointmentView",
    "CalledTicket",
    "CounterTickets",
    "ImportReport",
    "TicketView",
    "TicketsSnapshot",
]


@dataclass(frozen=True)
class TicketView:
    ticket_id: int
    number: str
    state: str
    name: str | None
    slot: str | None  # the appointment's slot, for a checked-in resident
    issued_at: datetime
    waiting_since: datetime
    called_at: datetime | None
    called_by: str | None
    requeues: int


@dataclass(frozen=True)
class AppointmentView:
    appointment_id: int
    slot: str
    name: str
    nik_masked: str
    checked_in: bool
    ticket_number: str | None


@dataclass(frozen=True)
class CalledTicket:
    """A ticket just called at this counter, with what the enrollment form can be prefilled with."""

    ticket_id: int
    number: str
    prefill: dict[str, str]


@dataclass(frozen=True)
class TicketsSnapshot:
    """Everything the counter's panel shows, read in one go off the GUI thread."""

    day: str
    now: datetime
    waiting: list[TicketView]
    called: list[TicketView]
    appointments: list[AppointmentView]
    served_today: int


def _view(t: TicketRecord) -> TicketView:
    return TicketView(
        t.ticket_id,
        t.number,
        t.state,
        t.name,
        t.slot,
        t.issued_at,
        t.waiting_since,
        t.called_at,
        t.called_by,
        t.requeues,
    )


def _appointment_view(a: AppointmentRecord) -> AppointmentView:
    return AppointmentView(
        a.appointment_id, a.slot, a.name, mask_nik(a.nik), a.checked_in_at is not None, a.ticket_number
    )


# --- the service -----------------------------------------------------------------


class CounterTickets:
    """The ticket rules over the store; `clock` and `tz` make "today" testable."""

    def __init__(
        self,
        db: Database,
        key: DataKey,
        *,
        events: Notifier | None = None,
        clock: Callable[[], datetime] = utcnow,
        tz: tzinfo | None = None,
    ) -> None:
        self.repo = TicketRepository(db, key)
        self.events = events  # the station's notifier (StationCore.events); None: nobody listens
        self.clock = clock
        self.tz = tz  # None: the machine's local time zone

    def _changed(self, record_uuid: str | None = None) -> None:
        """Announce a committed change (after the store's transaction, never inside it)."""
        if self.events is not None:
            self.events.notify(Change.TICKETS, Change.AUDIT, record_uuid=record_uuid)

    def _now(self) -> datetime:
        return self.clock()

    def local_date(self, now: datetime | None = None) -> date:
        return (now or self._now()).astimezone(self.tz).date()

    def today(self) -> str:
        return self.local_date().isoformat()

    # --- tickets ---

    def issue_ticket(self, operator: str, name: str | None = None) -> TicketView:
        """A numbered ticket for a resident at the door (name optional)."""
        name = " ".join((name or "").split()) or None
        if name is not None and (err := validate_field("nama", name)) is not None:
            raise err
        now = self._now()
        ticket = _view(self.repo.issue(day=self.local_date(now).isoformat(), now=now, actor=operator, name=name))
        self._changed()
        return ticket

    def check_in(self, appointment_id: int, operator: str) -> TicketView:
        now = self._now()
        ticket = _view(
            self.repo.check_in(appointment_id, day=self.local_date(now).isoformat(), now=now, actor=operator)
        )
        self._changed()
        return ticket

    def _called(self, t: TicketRecord) -> CalledTicket:
        prefill: dict[str, str] = {}
        if t.appointment_id is not None:
            prefill = self.repo.identity(t.appointment_id) or {}
        elif t.name:
            prefill = {"nama": t.name}
        return CalledTicket(t.ticket_id, t.number, prefill)

    def call_next(self, operator: str) -> CalledTicket | None:
        """The oldest waiting ticket, called atomically; None when nobody is waiting."""
        now = self._now()
        t = self.repo.call_next(day=self.local_date(now).isoformat(), now=now, actor=operator)
        if t is None:
            return None
        self._changed()
        return self._called(t)

    def call_ticket(self, ticket_id: int, operator: str) -> CalledTicket:
        now = self._now()
        t = self.repo.call(ticket_id, day=self.local_date(now).isoformat(), now=now, actor=operator)
        self._changed()
        return self._called(t)

    def mark_no_show(self, ticket_id: int, operator: str, *, requeue: bool = False) -> TicketView:
        ticket = _view(self.repo.no_show(ticket_id, now=self._now(), actor=operator, requeue=requeue))
        self._changed()
        return ticket

    def mark_served(self, ticket_id: int, record_uuid: str, operator: str) -> TicketView:
        ticket = _view(self.repo.served(ticket_id, record_uuid, now=self._now(), actor=operator))
        self._changed(record_uuid)
        return ticket

    # --- reading ---

    def waiting(self) -> list[TicketView]:
        return [_view(t) for t in self.repo.tickets(self.today(), [WAITING])]

    def called(self) -> list[TicketView]:
        return [_view(t) for t in self.repo.tickets(self.today(), [CALLED])]

    def appointments_today(self) -> list[AppointmentView]:
        return [_appointment_view(a) for a in self.repo.appointments(self.today())]

    def snapshot(self) -> TicketsSnapshot:
        now = self._now()
        day = self.local_date(now).isoformat()
        tickets = self.repo.tickets(day, [WAITING, CALLED, SERVED])
        return TicketsSnapshot(
            day=day,
            now=now,
            waiting=[_view(t) for t in tickets if t.state == WAITING],
            called=[_view(t) for t in tickets if t.state == CALLED],
            appointments=[_appointment_view(a) for a in self.repo.appointments(day)],
            served_today=sum(1 for t in tickets if t.state == SERVED),
        )

    # --- importing ---

    def import_appointments(
        self, data: bytes, operator: str, *, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> ImportReport:
        now = self._now()
        parsed = parse_appointments_csv(data, today=self.local_date(now), progress=progress, cancel=cancel)
        stored = self.repo.import_appointments(
            parsed.good,
            now=now,
            actor=operator,
            source_sha256=hashlib.sha256(data).hexdigest(),
            refused=len({p.line for p in parsed.problems}),
            progress=progress,
            cancel=cancel,
        )
        self._changed()
        progress(1.0, f"{parsed.rows}")
        return ImportReport(parsed.rows, stored.imported, len(stored.already_listed), parsed.problems)

    def import_appointments_file(
        self, path: Path, operator: str, *, progress: Progress = no_progress, cancel: CancelToken | None = None
    ) -> ImportReport:
        """Import a CSV file (see `parse_appointments_csv` for what it accepts)."""
        return self.import_appointments(read_csv_file(path), operator, progress=progress, cancel=cancel)
