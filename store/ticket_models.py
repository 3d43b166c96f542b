"""The counter's ticket tables: numbered tickets and the imported appointment list.

Imported at the end of store.models so that `Base.metadata` (Alembic, the migration
test) always knows them; import the classes from here.

Privacy: an appointment's NIK lives only inside the AES-GCM `sealed` blob (bound to the
appointment's UUID) and is found through `nik_index`, the same keyed HMAC the
enrollments use. The upper-cased name is in the clear, like `enrollments.name_search`
(README, "Privacy"), so the counter can show the list without decrypting it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base
from store.types import UTCDateTime

WAITING = "WAITING"
CALLED = "CALLED"
SERVED = "SERVED"
NO_SHOW = "NO_SHOW"


class Appointment(Base):
    """One resident expected on one day in one time slot (from an imported CSV)."""

    __tablename__ = "appointments"
    __table_args__ = (
        # One appointment per resident per day: re-importing a list adds nothing twice.
        UniqueConstraint("day", "nik_index", name="uq_appointments_day_nik"),
        Index("ix_appointments_day_slot", "day", "slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the AES-GCM binding
    day: Mapped[str] = mapped_column(String(10))  # local date, YYYY-MM-DD
    slot: Mapped[str] = mapped_column(String(11))  # HH:MM-HH:MM
    name_search: Mapped[str] = mapped_column(String(120))
    nik_index: Mapped[bytes] = mapped_column(LargeBinary(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM of {"nama", "nik"}
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Ticket(Base):
    """A numbered ticket handed out at the door; numbers restart every (local) day."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("day", "seq", name="uq_queue_tickets_day_seq"),
        Index("ix_queue_tickets_day_state_position", "day", "state", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10))  # local date, YYYY-MM-DD
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the day
    number: Mapped[str] = mapped_column(String(12))
    # Order in the waiting line: seq at issue, moved past the last one on a requeue.
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))  # WAITING | CALLED | SERVED | NO_SHOW
    name: Mapped[str | None] = mapped_column(String(120), nullable=True)  # upper-cased, optional
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True, unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime())
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    called_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    record_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
