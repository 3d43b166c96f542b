"""NIK (Nomor Induk Kependudukan) rules.

Layout of the 16 digits: PP RR DD ddmmyy SSSS
- PP province code, RR regency/city, DD district (kecamatan), none may be 00
  and PP must be a province that exists;
- ddmmyy the birth date, with 40 added to the day for women;
- SSSS a serial from 0001.
Every violation has its own message, in words an operator understands.

A typed value that contradicts the NIK (birth date, sex, province, regency/city,
kecamatan) is named with a `nik.*_mismatch` code on its own field. Birth date and sex
are refused (they never change); the region is only named, with what to do
(station.demographics.region_notices): a NIK is for life (UU 24/2013) and keeps the
region where it was issued, while the card carries the current address, so a resident
who moved ("pindah datang") legitimately differs. The region checks use the
Kemendagri table (station.wilayah) only where it knows the code: an unknown kecamatan,
such as every synthetic resident's (90-99), is not a contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from common.errors import ValidationError
from common.text import Text
from station.regions import PROVINCE_BY_NAME, PROVINCES
from station.wilayah import Wilayah, card_name, same_district, same_regency

MALE = "L"  # laki-laki
FEMALE = "P"  # perempuan


@dataclass(frozen=True)
class NikParts:
    province: str
    regency: str
    district: str
    day: int  # the real day of birth (40 removed for women)
    month: int
    year2: int  # two-digit year
    sex: str  # L or P
    serial: int


def _err(code: str, id_: str, en: str) -> ValidationError:
    return ValidationError(Text(id_, en), field="nik", code=f"nik.{code}")


def parse_nik(nik: str) -> NikParts:
    """Check the NIK's own structure; raise a specific ValidationError on the first problem."""
    raw = nik.strip()
    if not raw:
        raise _err("empty", "NIK wajib diisi.", "The NIK is required.")
    if not raw.isdigit() or not raw.isascii():
        raise _err("digits", "NIK hanya boleh berisi angka.", "The NIK may contain digits only.")
    if len(raw) != 16:
        raise _err(
            "length",
            f"NIK harus 16 digit (terisi {len(raw)}).",
            f"The NIK must have 16 digits (it has {len(raw)}).",
        )
    province, regency, district = raw[0:2], raw[2:4], raw[4:6]
    if province not in PROVINCES:
        raise _err(
            "province",
            f"Kode provinsi {province} pada digit 1-2 NIK tidak ada.",
            f"Province code {province} in NIK digits 1-2 does not exist.",
        )
    if regency == "00":
        raise _err(
            "regency",
            "Kode kabupaten/kota (digit 3-4 NIK) tidak boleh 00.",
            "The regency code (NIK digits 3-4) cannot be 00.",
        )
    if district == "00":
        raise _err(
            "district",
            "Kode kecamatan (digit 5-6 NIK) tidak boleh 00.",
            "The district code (NIK digits 5-6) cannot be 00.",
        )
    dd, mm, yy = int(raw[6:8]), int(raw[8:10]), int(raw[10:12])
    sex = FEMALE if dd > 40 else MALE
    day = dd - 40 if dd > 40 else dd
    if not 1 <= day <= 31 or not 1 <= mm <= 12:
        raise _err(
            "birth_date",
            f"Tanggal lahir pada NIK (digit 7-12: {raw[6:12]}) bukan tanggal yang sah.",
            f"The birth date in the NIK (digits 7-12: {raw[6:12]}) is not a valid date.",
        )
    # A day that never exists in that month in any year (31 April, 30 February) is wrong
    # whatever the century; 29 February is checked against the entered year later.
    try:
        date(2000, mm, day)
    except ValueError:
        raise _err(
            "birth_date",
            f"Tanggal lahir pada NIK (digit 7-12: {raw[6:12]}) bukan tanggal yang sah.",
            f"The birth date in the NIK (digits 7-12: {raw[6:12]}) is not a valid date.",
        ) from None
    serial = int(raw[12:16])
    if serial == 0:
        raise _err(
            "serial", "Nomor urut NIK (digit 13-16) tidak boleh 0000.", "The NIK serial (digits 13-16) cannot be 0000."
        )
    return NikParts(province, regency, district, day, mm, yy, sex, serial)


def check_nik_against(nik: str, birth_date: date | None, sex: str | None) -> list[ValidationError]:
    """The NIK must agree with the entered birth date and sex."""
    parts = parse_nik(nik)
    errors: list[ValidationError] = []
    if birth_date is not None:
        if (birth_date.day, birth_date.month, birth_date.year % 100) != (parts.day, parts.month, parts.year2):
            errors.append(
                ValidationError(
                    Text(
                        f"Tanggal lahir {birth_date:%d-%m-%Y} tidak sesuai dengan NIK "
                        f"({parts.day:02d}-{parts.month:02d}-..{parts.year2:02d}).",
                        f"Birth date {birth_date:%d-%m-%Y} does not match the NIK "
                        f"({parts.day:02d}-{parts.month:02d}-..{parts.year2:02d}).",
                    ),
                    field="tanggal_lahir",
                    code="nik.birth_date_mismatch",
                )
            )
    if sex is not None and sex != parts.sex:
        nik_sex = Text("perempuan", "female") if parts.sex == FEMALE else Text("laki-laki", "male")
        errors.append(
            ValidationError(
                Text(
                    f"Jenis kelamin tidak sesuai dengan NIK (NIK menunjukkan {nik_sex.id}: "
                    "untuk perempuan tanggal lahir pada NIK ditambah 40).",
                    f"Sex does not match the NIK (the NIK says {nik_sex.en}: for women the NIK adds 40 to the day).",
                ),
                field="jenis_kelamin",
                code="nik.sex_mismatch",
            )
        )
    return errors


MOVED = Text(
    "Jika penduduk pindah domisili, lanjutkan: alamat mengikuti Kartu Keluarga terbaru.",
    "If the resident has moved, go on: the address follows the latest family card.",
)


def check_region_against(
    nik: str, provinsi: str, kabupaten_kota: str, kecamatan: str, table: Wilayah | None
) -> list[ValidationError]:
    """Where the typed province, regency/city and kecamatan differ from those the NIK's
    digits 1-6 name, each with the remedy for a resident who moved (MOVED). Blank values
    are left to the required-field rule; with no table (`None`) only the province is
    checked."""
    errors: list[ValidationError] = []
    code = nik.strip()[:2]
    typed = " ".join(provinsi.upper().split())
    if typed in PROVINCE_BY_NAME and PROVINCE_BY_NAME[typed] != code:
        errors.append(
            ValidationError(
                Text(
                    f"Provinsi {provinsi} tidak sesuai dengan NIK (kode {code} = {PROVINCES[code]}).",
                    f"Province {provinsi} does not match the NIK (code {code} = {PROVINCES[code]}).",
                ),
                field="provinsi",
                code="nik.province_mismatch",
                remedy=MOVED,
            )
        )
    if table is None:
        return errors
    region = table.region(nik)
    if region.regency is not None and kabupaten_kota.strip() and not same_regency(kabupaten_kota, region.regency):
        name, dotted = card_name(region.regency), region.dotted[:5]
        errors.append(
            ValidationError(
                Text(
                    f"Kabupaten/kota {kabupaten_kota} tidak sesuai dengan NIK (kode {dotted} = {name}).",
                    f"Regency/city {kabupaten_kota} does not match the NIK (code {dotted} = {name}).",
                ),
                field="kabupaten_kota",
                code="nik.regency_mismatch",
                remedy=MOVED,
            )
        )
    if region.district is not None and kecamatan.strip() and not same_district(kecamatan, region.district):
        name = card_name(region.district)
        errors.append(
            ValidationError(
                Text(
                    f"Kecamatan {kecamatan} tidak sesuai dengan NIK (kode {region.dotted} = {name}).",
                    f"Kecamatan {kecamatan} does not match the NIK (code {region.dotted} = {name}).",
                ),
                field="kecamatan",
                code="nik.district_mismatch",
                remedy=MOVED,
            )
        )
    return errors


def mask_nik(nik: str) -> str:
    """For receipts and screens: the region code and last two digits only."""
    return nik[:6] + "*" * 8 + nik[-2:] if len(nik) == 16 else "*" * len(nik)


def make_nik(province: str, regency: str, district: str, birth: date, sex: str, serial: int) -> str:
    """Compose a NIK (used by the synthetic generator and tests)."""
    day = birth.day + (40 if sex == FEMALE else 0)
    return f"{province}{regency}{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def birth_date_from_nik(parts: NikParts, today: date) -> date | None:
    """The birth date a NIK implies: a two-digit year is the latest century that is
    not in the future. None when the day and month cannot be a date."""
    year = 2000 + parts.year2
    if year > today.year:
        year -= 100
    for y in (year, year - 100):
        try:
            born = date(y, parts.month, parts.day)
        except ValueError:
            return None
        if born <= today:
            return born
    return None
