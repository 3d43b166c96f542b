"""The station's tables (SQLAlchemy 2.x typed ORM).

Privacy: the NIK and every demographic field live only inside the encrypted
`demographics` blob; `nik_index` is a keyed HMAC so a NIK can be looked up without
being stored in the clear. `name_search` (the upper-cased name) is kept in the clear
on purpose so that operators can search by name prefix; see README, "Privacy".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Station(Base):
    """The one station this database belongs to (a single row, id 1)."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The next station_seq to hand out. Bumped in the sealing transaction only, so a
    # rolled-back seal never leaves a gap and a number is never reused.
    next_seq: Mapped[int] = mapped_column(Integer, default=1)


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # operator | technician | supervisor
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when a supervisor creates the account or resets its password: the first login
    # must choose a new one, so the supervisor never knows an operator's working password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_state", "state"),
        Index("ix_enrollments_nik_index", "nik_index"),
        Index("ix_enrollments_name_search", "name_search"),
        Index("ix_enrollments_state_seq", "state", "station_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    reg_no: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    station_seq: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    state: Mapped[str] = mapped_column(String(20))
    draft_step: Mapped[str | None] = mapped_column(String(20), nullable=True)
    nik_index: Mapped[bytes] = mapped_column(LargeBinary(16))
    name_search: Mapped[str] = mapped_column(String(120))
    demographics: Mapped[bytes] = mapped_column(LargeBinary)  # AES-GCM, JSON inside
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    corrects_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The counter's ticket this record serves, kept from the first draft save so that
    # the seal marks it SERVED in its own transaction (store.ticket_seal.serve_ticket_on_seal).
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    # Sync (the outbox lives on the record itself: one row, one truth).
    packet_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    packet_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    upload_offset: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    receipt_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    server_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    downstream: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    packet_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The centre's signed verdict (wire.receipts, canonical JSON) that made this record
    # RECEIVED or REJECTED; retention deletes a packet file only if it verifies.
    receipt_proof: Mapped[str | None] = mapped_column(Text, nullable=True)

    items: Mapped[list[BiometricItem]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan", order_by="BiometricItem.id"
    )
    operator: Mapped[Operator] = relationship()


class BiometricItem(Base):
    __tablename__ = "biometric_items"
    __table_args__ = (UniqueConstraint("enrollment_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # face, finger_1..finger_10, signature
    format: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quality: Mapped[float | None] = mapped_column(Float, nullable=True)
    exception_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    exception_note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_driver: Mapped[str | None] = mapped_column(String(40), nullable=True)
    device_model: Mapped[str | None] = mapped_column(String(80), nullable=True)
    device_serial: Mapped[str | None] = mapped_column(String(80), nullable=True)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # AES-GCM
    payload_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)  # of the plaintext
    size: Mapped[int] = mapped_column(Integer, default=0)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())

    enrollment: Mapped[Enrollment] = relationship(back_populates="items")


class StatusEvent(Base):
    """One step of a record's timeline: state, time, detail (never personal data)."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_enrollment", "enrollment_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(Base):
    """Who did what when, hash-chained: hash = SHA-256(prev_hash || canonical content)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(80), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SelfTestRun(Base):
    """One technician self-test of one device (or the station itself), with its report."""

    __tablename__ = "selftest_runs"
    __table_args__ = (Index("ix_selftest_runs_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    technician: Mapped[str] = mapped_column(String(60))
    device: Mapped[str] = mapped_column(String(16))  # camera | fingerprint | signature | station
    driver: Mapped[str | None] = mapped_column(String(40), nullable=True)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[str] = mapped_column(Text)  # JSON: device info and every step


class SyncInfo(Base):
    """Station-wide sync facts kept across restarts (a single row, id 1)."""

    __tablename__ = "sync_info"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    watermark: Mapped[int] = mapped_column(Integer, default=0)
    gaps: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of station_seq numbers
    rtt_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    throughput_bps: Mapped[float | None] = mapped_column(Float, nullable=True)
    link_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The link monitor's cut figures (station.sync.policy): cuts per minute, the PATCH
    # chunk size in use, and when the centre last confirmed bytes of an upload.
    cut_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    chunk_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LinkSample(Base):
    """One measurement of the link to the centre (station.sync.link_history): what the
    supervisor's console plots over the last hour. Pruned as it is written, so bounded."""

    __tablename__ = "link_samples"
    __table_args__ = (Index("ix_link_samples_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[float] = mapped_column(Float)  # Unix time, seconds
    rtt_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    throughput_bps: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str] = mapped_column(String(16))  # online | degraded | offline


# The tickets' tables live in their own module; imported here so that Base.metadata
# (Alembic and the migration test) always includes them.
from store import ticket_models as ticket_models  # noqa: E402
