"""Shared test data: made-up residents that cannot be real people.

Every NIK here uses district code 91 (no real kecamatan has it), see station.synthetic.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from common.biometrics import CapturedItem, ItemFormat
from station.demographics import (
    Agama,
    Demographics,
    GolonganDarah,
    JenisKelamin,
    Kewarganegaraan,
    StatusPerkawinan,
)
from station.nik import make_nik

TODAY = date(2026, 11, 22)


def resident(**changes: object) -> Demographics:
    birth = date(1990, 3, 7)
    base = Demographics(
        nik=make_nik("32", "04", "91", birth, "P", 17),
        nama="Contoh Warga Satu",
        tempat_lahir="Bandung",
        tanggal_lahir=birth,
        jenis_kelamin=JenisKelamin.PEREMPUAN,
        golongan_darah=GolonganDarah.O,
        alamat="Jl. Contoh No. 1",
        rt="3",
        rw="011",
        kelurahan_desa="Sukamaju",
        kecamatan="Coblong",
        kabupaten_kota="Bandung",
        provinsi="JAWA BARAT",
        agama=Agama.ISLAM,
        status_perkawinan=StatusPerkawinan.KAWIN,
        pekerjaan="Guru",
        kewarganegaraan=Kewarganegaraan.WNI,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def cap(kind: str, fmt: ItemFormat = ItemFormat.WSQ, payload: bytes = b"\xff\xa0payload") -> CapturedItem:
    """A captured item of `kind` from a test device (a WSQ marker and a few bytes)."""
    return CapturedItem(kind, fmt, payload, quality=70.0, device_driver="test", device_model="test", simulated=True)
