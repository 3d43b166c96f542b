"""The resident's proof of enrollment: what goes on it (Qt-free; ui/receipt.py draws it).

The receipt carries only what the resident needs to ask after the record: the
registration number (also as a QR code), the name, the NIK masked, when and where it
was sealed and by whom, and which biometrics were recorded (face, signature, fingers,
irises, with the number excepted: `biometrics_line`). It never holds the full NIK:
`ReceiptData` is built with the NIK already masked, so no layout or printer path can
leak it; nor any biometric data, only counts.

Its wording is bilingual `Text` rather than Qt translations because the receipt's
language is the resident's choice, not necessarily the operator's screen language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from common.biometrics import FACE, IRIS_ITEM_KINDS, SIGNATURE, FingerPosition
from common.errors import StateError, ValidationError
from common.text import Text
from station.core import StationCore
from station.nik import mask_nik
from store import audit
from store.enrollments import DRAFT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptData:
    reg_no: str
    name: str
    nik_masked: str
    sealed_at: datetime  # local time, aware
    station_code: str
    station_name: str
    operator_name: str  # the operator's full name
    demo: bool  # a training station: the receipt says it is not valid
    items: tuple[tuple[str, bool], ...] = ()  # (item kind, captured: False for an approved exception)


RECEIPT_TEXT: dict[str, Text] = {
    "title": Text("TANDA BUKTI PEREKAMAN KTP-el", "PROOF OF KTP-el ENROLLMENT"),
    "reg_no": Text("Nomor registrasi", "Registration number"),
    "name": Text("Nama", "Name"),
    "nik": Text("NIK", "NIK"),
    "sealed_at": Text("Tanggal & waktu", "Date & time"),
    "station": Text("Stasiun", "Station"),
    "operator": Text("Operator", "Operator"),
    "biometrics": Text("Biometrik", "Biometrics"),
    "note": Text(
        "Tanda bukti ini berlaku sebagai pengganti sementara sampai KTP-el Anda dicetak. Simpan baik-baik. "
        "Untuk menanyakan di mana rekaman Anda, sebutkan atau tunjukkan nomor registrasi di atas di loket ini "
        "atau di kantor Disdukcapil.",
        "This receipt stands in for your KTP-el until the card is printed. Keep it safe. To ask where your "
        "record is, give or show the registration number above at this counter or at the Disdukcapil office.",
    ),
    "demo": Text("DEMO / LATIHAN — TIDAK BERLAKU", "DEMO / LATIHAN — NOT VALID"),
}

_MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}  # fmt: skip


def receipt_text(key: str, lang: str) -> str:
    return RECEIPT_TEXT[key].get(lang)


def format_sealed_at(t: datetime, lang: str) -> str:
    """`12 Mei 2025, 14:03` (already local time)."""
    month = _MONTHS["en" if lang == "en" else "id"][t.month - 1]
    return f"{t.day} {month} {t.year}, {t:%H:%M}"


_GROUPS: tuple[tuple[frozenset[str], Text, Text], ...] = (
    (frozenset({FACE}), Text("wajah", "face"), Text("wajah", "face")),
    (frozenset({SIGNATURE}), Text("tanda tangan", "signature"), Text("tanda tangan", "signature")),
    (
        frozenset(p.item_kind for p in FingerPosition),
        Text("sidik jari", "fingerprint"),
        Text("sidik jari", "fingerprints"),
    ),
    (frozenset(IRIS_ITEM_KINDS.values()), Text("iris", "iris"), Text("iris", "irises")),
)


def biometrics_line(data: ReceiptData, lang: str) -> str:
    """What was recorded, in counts: "wajah, tanda tangan, 10 sidik jari, 2 iris"; an item
    excepted by a supervisor is counted apart ("9 sidik jari (1 dikecualikan)")."""
    en = lang == "en"
    parts: list[str] = []
    for kinds, one, many in _GROUPS:
        captured = sum(1 for kind, ok in data.items if kind in kinds and ok)
        excepted = sum(1 for kind, ok in data.items if kind in kinds and not ok)
        if not captured and not excepted:
            continue
        if len(kinds) == 1:
            text = (one if captured else Text(f"tanpa {one.id}", f"no {one.en}")).get(lang)
        else:
            text = f"{captured} {(one if captured == 1 else many).get(lang)}"
        if excepted and len(kinds) > 1:
            text += f" ({excepted} excepted)" if en else f" ({excepted} dikecualikan)"
        parts.append(text)
    return ", ".join(parts)


def receipt_data(core: StationCore, *, reg_no: str | None = None, record_uuid: str | None = None) -> ReceiptData:
    """The receipt of one sealed record, by registration number or UUID."""
    if (reg_no is None) == (record_uuid is None):
        raise ValueError("give exactly one of reg_no and record_uuid")
    d = core.enrollments.detail(reg_no=reg_no.strip() if reg_no else None, record_uuid=record_uuid)
    if d is None:
        what = reg_no or record_uuid
        raise ValidationError(
            Text(f"Rekaman {what} tidak ditemukan.", f"Record {what} not found."), code="receipt.not_found"
        )
    s = d.summary
    if s.state == DRAFT or s.reg_no is None or s.sealed_at is None:
        raise StateError(
            Text(
                "Tanda bukti hanya untuk rekaman yang sudah disegel.", "A receipt is only for a record that is sealed."
            ),
            code="state.not_sealed",
        )
    operator = core.auth.operators.get(s.operator)
    station = core.station()
    name = str(d.demographics.get("nama") or s.name)
    log.info("receipt data for %s", s.reg_no)
    return ReceiptData(
        reg_no=s.reg_no,
        name=name,
        nik_masked=mask_nik(str(d.demographics.get("nik", ""))),
        sealed_at=s.sealed_at.astimezone(),
        station_code=station.code,
        station_name=station.name,
        operator_name=operator.full_name if operator is not None else s.operator,
        demo=core.config.demo,
        items=tuple(sorted((i.kind, i.exception_reason is None) for i in d.items)),
    )


def reprint_receipt(core: StationCore, *, record_uuid: str, actor: str, output: str) -> ReceiptData:
    """A receipt printed again (the look-up page): the same data, and an audit event
    naming who reprinted whose receipt and where to (`output`: printer or pdf)."""
    data = receipt_data(core, record_uuid=record_uuid)
    with core.db.write() as session:
        audit.append(session, "receipt_reprint", actor=actor, target=data.reg_no, detail={"output": output})
    log.info("receipt of %s reprinted by %s", data.reg_no, actor)
    return data
