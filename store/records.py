"""Plain data that crosses the store's boundary (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ItemData:
    """One biometric item as captured: a payload, or an exception reason instead."""

    kind: str
    format: str | None
    payload: bytes | None
    quality: float | None = None
    exception_reason: str | None = None
    exception_note: str | None = None
    approved_by: str | None = None
    device_driver: str | None = None
    device_model: str | None = None
    device_serial: str | None = None
    simulated: bool = False
    captured_at: datetime | None = None


@dataclass(frozen=True)
class EnrollmentData:
    """What the station hands the store to save as a draft or to seal."""

    uuid: str
    operator: str  # username
    nik: str
    name: str
    demographics: dict[str, Any]  # JSON-able; includes the NIK, encrypted at rest
    items: list[ItemData] = field(default_factory=list)
    draft_step: str | None = None
    corrects_uuid: str | None = None


@dataclass(frozen=True)
class SealResult:
    uuid: str
    reg_no: str
    station_seq: int
    sealed_at: datetime


@dataclass(frozen=True)
class RecordSummary:
    uuid: str
    reg_no: str | None
    station_seq: int | None
    state: str
    name: str
    operator: str
    created_at: datetime
    sealed_at: datetime | None


@dataclass(frozen=True)
class TimelineEntry:
    state: str
    at: datetime
    detail: str


@dataclass(frozen=True)
class ItemSummary:
    kind: str
    format: str | None
    quality: float | None
    exception_reason: str | None
    approved_by: str | None
    device_model: str | None
    simulated: bool
    size: int


@dataclass(frozen=True)
class RecordDetail:
    summary: RecordSummary
    demographics: dict[str, Any]
    items: list[ItemSummary]
    timeline: list[TimelineEntry]
    corrects_uuid: str | None
