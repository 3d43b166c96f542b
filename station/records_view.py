"""Where is a resident's record? The look-up shared by `station records find|show`
and the app's record look-up page (Qt-free, plain data out).

One search box takes three kinds of query, told apart by their shape: sixteen
digits are a NIK (found through the keyed HMAC index, never by comparing clear
NIKs), `320412-01-0000005` is a registration number, and letters are a name prefix.
A query that looks like a NIK but is not a valid one is refused with the NIK rule it
breaks rather than searched as a name, so "not found" never hides a typo.

Traps:
- search rows show the NIK masked; for a name search that means decrypting each
  row's demographics (at most `SEARCH_LIMIT` of them) in one query, not `detail()`
  per row, which would also load every biometric payload;
- times are stored in UTC and shown in the station's local time;
- every look-up and every record opened is audited (who, the kind of query, the
  registration number or the masked query): the audit log never holds a clear NIK;
- the queue position and ETA exist only while a record is waiting to be sent.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from common.errors import ValidationError
from common.text import Text
from station.core import StationCore
from station.nik import mask_nik, parse_nik
from station.sync.policy import delivery_rate_of
from store import audit
from store.enrollments import DEMOGRAPHICS_KIND, DRAFT
from store.models import Enrollment
from store.outbox import (
    DUPLICATE,
    EXPORTED,
    PENDING,
    PRINT_READY,
    RECEIVED,
    REGISTERED,
    REJECTED,
    SEALED,
    UPLOADED,
    UPLOADING,
    WAITING_RETRY,
    Outbox,
)
from store.records import ItemSummary, RecordSummary, TimelineEntry
from store.states import RecordState

log = logging.getLogger(__name__)

SEARCH_LIMIT = 50
MAX_AUDITED_NAME = 40  # a name prefix as the audit log keeps it
MIN_NAME_LETTERS = 2
REG_NO_RE = re.compile(r"^\d{6}-\d{2}-\d{7}$")
_DIGITS_AND_SPACES = re.compile(r"^[\d\s.]+$")

STATE_LABELS: dict[str, Text] = {
    DRAFT: Text("Direkam (belum selesai)", "Captured (not finished)"),
    SEALED: Text("Disegel di stasiun", "Sealed at the station"),
    REGISTERED: Text("Didaftarkan di pusat", "Registered at the centre"),
    UPLOADING: Text("Sedang dikirim", "Being sent"),
    UPLOADED: Text("Terkirim, menunggu konfirmasi", "Sent, awaiting confirmation"),
    WAITING_RETRY: Text("Menunggu kirim ulang", "Waiting to retry"),
    RECEIVED: Text("Diterima pusat", "Received by the centre"),
    PRINT_READY: Text("Siap cetak", "Ready to print"),
    DUPLICATE: Text("Duplikat di pusat", "Duplicate at the centre"),
    REJECTED: Text("Ditolak pusat", "Rejected by the centre"),
    EXPORTED: Text("Diekspor ke USB", "Exported to USB"),
    RecordState.PENDING_APPROVAL: Text("Menunggu persetujuan supervisor", "Waiting for the supervisor's approval"),
    RecordState.WITHDRAWING: Text("Ditolak supervisor, sedang ditarik", "Rejected by the supervisor, being withdrawn"),
    RecordState.WITHDRAWN: Text("Ditarik (ditolak supervisor)", "Withdrawn (rejected by the supervisor)"),
}

_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


class QueryKind(StrEnum):
    NIK = "nik"
    REG_NO = "reg_no"
    NAME = "name"


@dataclass(frozen=True)
class SearchQuery:
    kind: QueryKind
    value: str


@dataclass(frozen=True)
class FoundRecord:
    """One search result: the summary and its NIK, masked (the sync console's lists hold
    station.sync.console.ConsoleRecord)."""

    summary: RecordSummary
    nik_masked: str


@dataclass(frozen=True)
class RecordView:
    """One record as `records show` prints it and the look-up page shows it."""

    summary: RecordSummary
    nik_masked: str
    timeline: list[TimelineEntry]
    items: list[ItemSummary]
    queue_position: int | None  # 1-based, while waiting to be sent
    bytes_ahead: int | None  # this record's and those ahead of it, still to send
    eta_s: int | None  # None when unknown (nothing measured yet) or not queued


def local_time(t: datetime) -> datetime:
    return t.astimezone()


def format_local(t: datetime | None, lang: str = "id") -> str:
    """`12 Mei 2025 14:03` in the station's local time ("-" for none)."""
    if t is None:
        return "-"
    lt = local_time(t)
    month = _MONTHS["en" if lang == "en" else "id"][lt.month - 1]
    return f"{lt.day} {month} {lt.year} {lt:%H:%M}"


def state_label(state: str) -> Text:
    """A record's current state in words."""
    return STATE_LABELS.get(state, Text(state, state))


def timeline_label(entry: TimelineEntry) -> Text:
    """One timeline event in words: the first DRAFT event is when capture began."""
    if entry.state == DRAFT:
        return Text("Perekaman dimulai", "Capture started")
    if entry.state == SEALED and entry.detail.startswith("requeued"):
        return Text("Diantre ulang oleh supervisor", "Queued again by the supervisor")
    return state_label(entry.state)


# --- searching ------------------------------------------------------------------


def _query_help() -> Text:
    return Text(
        "Ketik NIK (16 angka), nomor registrasi (contoh 320412-01-0000005) atau minimal 2 huruf nama.",
        "Type a NIK (16 digits), a registration number (e.g. 320412-01-0000005) or at least 2 letters of a name.",
    )


def check_name_prefix(name: str) -> str:
    if len(name.strip()) < MIN_NAME_LETTERS:
        raise ValidationError(Text("Ketik minimal 2 huruf nama.", "Type at least 2 letters of the name."), field="name")
    return name.strip()


def parse_query(text: str) -> SearchQuery:
    """Tell a NIK, a registration number and a name apart; refuse what is none of them."""
    raw = text.strip()
    if not raw:
        raise ValidationError(_query_help(), field="query", code="lookup.empty")
    if _DIGITS_AND_SPACES.match(raw):
        nik = re.sub(r"[\s.]", "", raw)
        parse_nik(nik)  # a wrong NIK says which rule it breaks
        return SearchQuery(QueryKind.NIK, nik)
    if REG_NO_RE.match(raw):
        return SearchQuery(QueryKind.REG_NO, raw)
    if any(c.isdigit() for c in raw):
        raise ValidationError(
            Text(
                f"'{raw}' bukan NIK maupun nomor registrasi. " + _query_help().id,
                f"'{raw}' is neither a NIK nor a registration number. " + _query_help().en,
            ),
            field="query",
            code="lookup.malformed",
        )
    return SearchQuery(QueryKind.NAME, check_name_prefix(raw))


def _masked_niks(core: StationCore, uuids: Sequence[str]) -> dict[str, str]:
    if not uuids:
        return {}
    out: dict[str, str] = {}
    with core.db.read() as session:
        rows = session.execute(select(Enrollment.uuid, Enrollment.demographics).where(Enrollment.uuid.in_(list(uuids))))
        for uuid, blob in rows:
            demographics = json.loads(core.key.decrypt(blob, record_uuid=uuid, kind=DEMOGRAPHICS_KIND))
            out[uuid] = mask_nik(str(demographics.get("nik", "")))
    return out


def audit_target(query: SearchQuery) -> str:
    """What the audit log keeps of a query: a registration number or name prefix as
    asked, a NIK only masked (`320412********12`), never in the clear."""
    if query.kind is QueryKind.NIK:
        return mask_nik(query.value)
    if query.kind is QueryKind.NAME:
        return query.value.upper()[:MAX_AUDITED_NAME]
    return query.value


def find_records(core: StationCore, query: SearchQuery, *, actor: str) -> list[FoundRecord]:
    """The records matching `query`, newest first (at most SEARCH_LIMIT); the look-up
    is audited with who asked, the kind of query and its masked target."""
    if query.kind is QueryKind.NIK:
        found = core.enrollments.find_by_nik(query.value)
        rows = [FoundRecord(s, mask_nik(query.value)) for s in found]
    else:
        if query.kind is QueryKind.REG_NO:
            found = core.enrollments.find_by_reg(query.value)
        else:
            found = core.enrollments.find_by_name_prefix(query.value, limit=SEARCH_LIMIT)
        niks = _masked_niks(core, [s.uuid for s in found])
        rows = [FoundRecord(s, niks.get(s.uuid, "")) for s in found]
    with core.db.write() as session:
        audit.append(
            session, "record_lookup", actor=actor, target=audit_target(query),
            detail={"kind": query.kind.value, "found": len(rows)},
        )  # fmt: skip
    return rows


def search(core: StationCore, text: str, *, actor: str) -> list[FoundRecord]:
    """One search box: `parse_query` then `find_records`."""
    return find_records(core, parse_query(text), actor=actor)


# --- one record -----------------------------------------------------------------


def record_view(
    core: StationCore, *, actor: str, reg_no: str | None = None, record_uuid: str | None = None
) -> RecordView | None:
    """One record's details (audited as `record_view`: whose record was opened, by whom)."""
    d = core.enrollments.detail(reg_no=reg_no.strip() if reg_no else None, record_uuid=record_uuid)
    if d is None:
        return None
    s = d.summary
    with core.db.write() as session:
        audit.append(session, "record_view", actor=actor, target=s.reg_no or s.uuid)
    outbox = Outbox(core.db)
    queue = outbox.position(s.station_seq) if s.station_seq else None
    delivering = delivery_rate_of(outbox.info())  # the link's cuts counted (station.sync.policy)
    eta_s = None if queue is None or not delivering else round(queue[1] / delivering)
    return RecordView(
        summary=s,
        nik_masked=mask_nik(str(d.demographics.get("nik", ""))),
        timeline=list(d.timeline),
        items=list(d.items),
        queue_position=queue[0] if queue else None,
        bytes_ahead=queue[1] if queue else None,
        eta_s=eta_s,
    )


def _latest_at(view: RecordView, *states: str) -> datetime | None:
    for entry in reversed(view.timeline):
        if entry.state in states:
            return entry.at
    return None


def _eta_words(eta_s: int | None) -> Text:
    if eta_s is None:
        return Text("waktunya bergantung pada jaringan", "the time depends on the network")
    if eta_s < 60:
        return Text("kurang dari 1 menit", "less than a minute")
    minutes = round(eta_s / 60)
    return Text(f"sekitar {minutes} menit", f"about {minutes} minute{'s' if minutes != 1 else ''}")


def resident_sentence(view: RecordView) -> Text:
    """What an operator can read out to the resident about where the record is."""
    state = view.summary.state
    if state == DRAFT:
        return Text(
            "Perekaman Anda belum selesai: data belum disegel dan belum mendapat nomor registrasi.",
            "Your enrollment is not finished: it has not been sealed and has no registration number yet.",
        )
    if state in PENDING:
        when = Text(
            f"disegel {format_local(view.summary.sealed_at, 'id')}",
            f"sealed {format_local(view.summary.sealed_at, 'en')}",
        )
        eta = _eta_words(view.eta_s)
        if view.queue_position is None:
            return Text(
                f"Rekaman Anda tersimpan aman di stasiun ini ({when.id}) dan menunggu dikirim ke pusat.",
                f"Your record is stored safely at this station ({when.en}) and is waiting to be sent to the centre.",
            )
        n = view.queue_position
        return Text(
            f"Rekaman Anda tersimpan aman di stasiun ini ({when.id}) dan menunggu dikirim ke pusat: "
            f"antrean ke-{n}, {eta.id}.",
            f"Your record is stored safely at this station ({when.en}) and is waiting to be sent to the centre: "
            f"position {n} in the queue, {eta.en}.",
        )
    at = _latest_at(view, state)
    on_id, on_en = format_local(at, "id"), format_local(at, "en")
    if state == RECEIVED:
        return Text(
            f"Rekaman Anda sudah sampai di pusat data nasional pada {on_id} dan menunggu diproses untuk dicetak.",
            f"Your record reached the national centre on {on_en} and is waiting to be processed for printing.",
        )
    if state == PRINT_READY:
        received = _latest_at(view, RECEIVED) or at
        return Text(
            f"Rekaman Anda sampai di pusat data nasional pada {format_local(received, 'id')} dan sejak {on_id} "
            "siap dicetak; tanyakan jadwal pengambilan KTP-el di Disdukcapil.",
            f"Your record reached the national centre on {format_local(received, 'en')} and has been ready to "
            f"print since {on_en}; ask Disdukcapil when the KTP-el can be collected.",
        )
    if state == DUPLICATE:
        return Text(
            f"Pusat data nasional menemukan rekaman lain dengan identitas yang sama ({on_id}); "
            "silakan hubungi petugas Disdukcapil.",
            f"The national centre found another record with the same identity ({on_en}); "
            "please see the Disdukcapil officer.",
        )
    if state == REJECTED:
        return Text(
            f"Pusat data nasional belum dapat menerima rekaman Anda ({on_id}); supervisor stasiun akan "
            "memperbaiki dan mengirimnya ulang.",
            f"The national centre could not accept your record yet ({on_en}); the station supervisor will "
            "correct it and send it again.",
        )
    if state == EXPORTED:
        return Text(
            f"Rekaman Anda dibawa ke pusat dengan media USB pada {on_id} dan menunggu konfirmasi dari pusat.",
            f"Your record was carried to the centre on USB on {on_en} and is waiting for the centre's confirmation.",
        )
    if state == RecordState.PENDING_APPROVAL:
        return Text(
            "Rekaman Anda tersimpan aman di stasiun ini dan menunggu persetujuan supervisor sebelum dikirim ke pusat.",
            "Your record is stored safely at this station and awaits the supervisor's approval before it is sent.",
        )
    if state in (RecordState.WITHDRAWING, RecordState.WITHDRAWN):
        return Text(
            "Rekaman Anda tidak disetujui supervisor dan tidak dikirim ke pusat; silakan hubungi petugas "
            "untuk perekaman ulang.",
            "Your record was not approved by the supervisor and is not sent to the centre; please see the "
            "officer to enroll again.",
        )
    return Text(f"Status rekaman: {state}.", f"Record state: {state}.")
