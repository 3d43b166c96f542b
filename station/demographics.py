"""The demographic fields of the e-KTP and their validation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from common.errors import ValidationError, ValidationErrors
from common.text import Text
from station import nik as nikrules
from station import wilayah
from station.regions import PROVINCE_BY_NAME

MIN_AGE = 17


class JenisKelamin(StrEnum):
    LAKI_LAKI = "L"
    PEREMPUAN = "P"


class GolonganDarah(StrEnum):
    A = "A"
    B = "B"
    AB = "AB"
    O = "O"  # noqa: E741 - the blood type
    TIDAK_TAHU = "-"


class Agama(StrEnum):
    ISLAM = "Islam"
    KRISTEN = "Kristen"
    KATOLIK = "Katolik"
    HINDU = "Hindu"
    BUDDHA = "Buddha"
    KHONGHUCU = "Khonghucu"
    KEPERCAYAAN = "Kepercayaan terhadap Tuhan YME"


class StatusPerkawinan(StrEnum):
    BELUM_KAWIN = "Belum Kawin"
    KAWIN = "Kawin"
    CERAI_HIDUP = "Cerai Hidup"
    CERAI_MATI = "Cerai Mati"


class Kewarganegaraan(StrEnum):
    WNI = "WNI"
    WNA = "WNA"


FIELD_LABELS: dict[str, Text] = {
    "nik": Text("NIK", "NIK"),
    "nama": Text("Nama", "Name"),
    "tempat_lahir": Text("Tempat lahir", "Place of birth"),
    "tanggal_lahir": Text("Tanggal lahir", "Date of birth"),
    "jenis_kelamin": Text("Jenis kelamin", "Sex"),
    "golongan_darah": Text("Golongan darah", "Blood type"),
    "alamat": Text("Alamat", "Address"),
    "rt": Text("RT", "RT (neighbourhood)"),
    "rw": Text("RW", "RW (hamlet)"),
    "kelurahan_desa": Text("Kelurahan/Desa", "Village"),
    "kecamatan": Text("Kecamatan", "District"),
    "kabupaten_kota": Text("Kabupaten/Kota", "Regency/City"),
    "provinsi": Text("Provinsi", "Province"),
    "agama": Text("Agama", "Religion"),
    "status_perkawinan": Text("Status perkawinan", "Marital status"),
    "pekerjaan": Text("Pekerjaan", "Occupation"),
    "kewarganegaraan": Text("Kewarganegaraan", "Citizenship"),
}

# The free-text fields (the rest are dates and fixed lists), in the card's order.
TEXT_FIELDS = (
    "nik",
    "nama",
    "tempat_lahir",
    "alamat",
    "rt",
    "rw",
    "kelurahan_desa",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "pekerjaan",
)

_NAME_RE = re.compile(r"^[A-Z][A-Z .,'\-]*$")
_PLACE_RE = re.compile(r"^[A-Z0-9][A-Z0-9 .,'/()\-]*$")
_RT_RE = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class Demographics:
    nik: str
    nama: str
    tempat_lahir: str
    tanggal_lahir: date
    jenis_kelamin: JenisKelamin
    golongan_darah: GolonganDarah
    alamat: str
    rt: str
    rw: str
    kelurahan_desa: str
    kecamatan: str
    kabupaten_kota: str
    provinsi: str
    agama: Agama
    status_perkawinan: StatusPerkawinan
    pekerjaan: str
    kewarganegaraan: Kewarganegaraan

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            out[name] = v.value if isinstance(v, StrEnum) else v.isoformat() if isinstance(v, date) else v
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Demographics:
        return cls(
            nik=data["nik"],
            nama=data["nama"],
            tempat_lahir=data["tempat_lahir"],
            tanggal_lahir=date.fromisoformat(data["tanggal_lahir"]),
            jenis_kelamin=JenisKelamin(data["jenis_kelamin"]),
            golongan_darah=GolonganDarah(data["golongan_darah"]),
            alamat=data["alamat"],
            rt=data["rt"],
            rw=data["rw"],
            kelurahan_desa=data["kelurahan_desa"],
            kecamatan=data["kecamatan"],
            kabupaten_kota=data["kabupaten_kota"],
            provinsi=data["provinsi"],
            agama=Agama(data["agama"]),
            status_perkawinan=StatusPerkawinan(data["status_perkawinan"]),
            pekerjaan=data["pekerjaan"],
            kewarganegaraan=Kewarganegaraan(data["kewarganegaraan"]),
        )


def _required(field: str) -> ValidationError:
    label = FIELD_LABELS[field]
    return ValidationError(Text(f"{label.id} wajib diisi.", f"{label.en} is required."), field=field, code="required")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def validate_field(field: str, value: str) -> ValidationError | None:
    """Inline check of one text field as the operator types (form-level rules aside)."""
    v = value.strip().upper()
    if field == "nik":
        try:
            nikrules.parse_nik(value)
        except ValidationError as exc:
            return exc
        return None
    if not v:
        return _required(field) if field in FIELD_LABELS else None
    label = FIELD_LABELS.get(field, Text(field, field))
    if field == "nama" and (not _NAME_RE.match(v) or len(v) > 60):
        return ValidationError(
            Text(
                "Nama hanya boleh huruf, spasi, titik, koma, apostrof dan tanda hubung (maks. 60).",
                "The name may contain letters, spaces, full stops, commas, apostrophes and hyphens only (max 60).",
            ),
            field=field,
            code="nama.characters",
        )
    if field in ("rt", "rw") and not _RT_RE.match(v):
        return ValidationError(
            Text(f"{label.id} harus 1-3 angka, misalnya 003.", f"{label.en} must be 1-3 digits, for example 003."),
            field=field,
            code=f"{field}.format",
        )
    if field in ("tempat_lahir", "kelurahan_desa", "kecamatan", "kabupaten_kota", "pekerjaan") and (
        not _PLACE_RE.match(v) or len(v) > 60
    ):
        return ValidationError(
            Text(f"{label.id} berisi karakter yang tidak diizinkan.", f"{label.en} contains characters not allowed."),
            field=field,
            code=f"{field}.characters",
        )
    if field == "alamat" and len(v) > 120:
        return ValidationError(
            Text("Alamat terlalu panjang (maks. 120).", "The address is too long (max 120)."), field=field
        )
    if field == "provinsi" and v not in PROVINCE_BY_NAME:
        return ValidationError(
            Text(f"Provinsi '{v}' tidak dikenal.", f"Unknown province '{v}'."), field=field, code="provinsi.unknown"
        )
    return None


def region_notices(d: Demographics) -> list[ValidationError]:
    """The typed province, regency/city and kecamatan that differ from the region the
    NIK names: shown to the operator, never refused (`validate` leaves them out). A NIK
    keeps the region where it was issued; a resident who moved has another address, and
    refusing would turn every such resident away. A typing slip is seen and corrected.
    A value refused for its own sake (characters, unknown province) is not also compared."""
    return region_notices_of(d.nik, d.provinsi, d.kabupaten_kota, d.kecamatan)


def region_notices_of(nik: str, provinsi: str, kabupaten_kota: str, kecamatan: str) -> list[ValidationError]:
    """`region_notices` from the fields as typed (the form checks them as they change)."""
    if validate_field("nik", nik) is not None:
        return []
    typed = {"provinsi": provinsi, "kabupaten_kota": kabupaten_kota, "kecamatan": kecamatan}
    refused = {f for f, value in typed.items() if validate_field(f, value)}
    found = nikrules.check_region_against(nik, provinsi, kabupaten_kota, kecamatan, wilayah.default_table())
    return [e for e in found if e.field not in refused]


def validate(d: Demographics, today: date) -> list[ValidationError]:
    """All problems of a demographics form at once, each naming its field."""
    errors: list[ValidationError] = []
    for field in TEXT_FIELDS:
        err = validate_field(field, str(getattr(d, field)))
        if err is not None:
            errors.append(err)
    if d.tanggal_lahir > today:
        errors.append(
            ValidationError(
                Text("Tanggal lahir tidak boleh di masa depan.", "The birth date cannot be in the future."),
                field="tanggal_lahir",
                code="tanggal_lahir.future",
            )
        )
    elif d.tanggal_lahir.year < today.year - 130:
        errors.append(
            ValidationError(
                Text("Tanggal lahir terlalu jauh di masa lalu.", "The birth date is too far in the past."),
                field="tanggal_lahir",
                code="tanggal_lahir.too_old",
            )
        )
    if not any(e.field == "nik" for e in errors):
        errors.extend(nikrules.check_nik_against(d.nik, d.tanggal_lahir, d.jenis_kelamin.value))
    age = age_on(d.tanggal_lahir, today)
    if age < MIN_AGE and d.status_perkawinan == StatusPerkawinan.BELUM_KAWIN and d.tanggal_lahir <= today:
        errors.append(
            ValidationError(
                Text(
                    f"Belum wajib KTP-el: umur {age} tahun dan belum kawin (wajib 17 tahun atau sudah/pernah kawin).",
                    f"Not yet eligible for a KTP-el: aged {age} and never married "
                    "(17 or older, or married, is required).",
                ),
                field="tanggal_lahir",
                code="eligibility.age",
            )
        )
    return errors


def require_valid(d: Demographics, today: date) -> None:
    errors = validate(d, today)
    if errors:
        raise ValidationErrors(errors)


def normalised(d: Demographics) -> Demographics:
    """Upper-case the free-text fields as they appear on the card."""
    upper = {
        f: " ".join(str(getattr(d, f)).upper().split())
        for f in (
            "nama",
            "tempat_lahir",
            "alamat",
            "kelurahan_desa",
            "kecamatan",
            "kabupaten_kota",
            "provinsi",
            "pekerjaan",
        )
    }
    rt_rw = {f: str(getattr(d, f)).strip().zfill(3) for f in ("rt", "rw")}
    return Demographics(**{**d.__dict__, **upper, **rt_rw, "nik": d.nik.strip()})
