"""Plain data that crosses the store's boundary (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from common.biometrics import CapturedItem


@dataclass(frozen=True)
class EnrollmentData:
    """What the station hands the store to save as a draft or to seal."""

    uuid: str
    operator: str  # username
    nik: str
    name: str
    demographics: dict[str, Any]  # JSON-able; includes the NIK, encrypted at rest
    items: list[CapturedItem] = field(default_factory=list)  # the workflow's own objects
    draft_step: str | None = None
    corrects_uuid: str | None = None
    ticket_id: int | None = None  # the called ticket this record serves: the seal marks it SERVED


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
