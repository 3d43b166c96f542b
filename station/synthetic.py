"""Synthetic residents for training, demos and load tests.

Everything here is made up, deterministically from a seed: names are drawn from
common given names, and every NIK uses a district code from 90 to 99, which no real
kecamatan has, so a synthetic NIK can never be a real resident's. Biometrics come
from the simulated devices' generators, which draw ridges, portraits and signature
strokes from scratch.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from station.demographics import (
    Agama,
    Demographics,
    GolonganDarah,
    JenisKelamin,
    Kewarganegaraan,
    StatusPerkawinan,
)
from station.nik import FEMALE, MALE, make_nik
from station.regions import PROVINCES

MALE_NAMES = [
    "AGUS",
    "BUDI",
    "DEDI",
    "EKO",
    "FAJAR",
    "HADI",
    "IRWAN",
    "JOKO",
    "KURNIAWAN",
    "LUKMAN",
    "MUHAMMAD",
    "NUGROHO",
    "PUTU",
    "RAHMAT",
    "SLAMET",
    "TAUFIK",
    "WAHYU",
    "YUSUF",
    "ARIF",
    "BAMBANG",
    "DIMAS",
    "GEDE",
    "HENDRA",
    "IMAM",
    "RIZKY",
    "SAPUTRA",
    "SETIAWAN",
    "HIDAYAT",
    "PRATAMA",
    "SANTOSO",
]
FEMALE_NAMES = [
    "AYU",
    "DEWI",
    "FITRI",
    "INDAH",
    "KARTIKA",
    "LESTARI",
    "MAYA",
    "NUR",
    "PUTRI",
    "RATNA",
    "SITI",
    "SRI",
    "WULAN",
    "YULIANTI",
    "ANISA",
    "DIAN",
    "EKA",
    "HANDAYANI",
    "KOMANG",
    "MEGA",
    "NINGSIH",
    "RAHAYU",
    "SARI",
    "TRI",
    "UTAMI",
    "WATI",
    "YUNI",
    "PERMATA",
    "SUSANTI",
    "AMELIA",
]
# (province, regency/city code, name as typed, some of its kecamatan): real regencies, so
# the regency the NIK names (station.wilayah) is the one typed; the kecamatan codes are not.
PLACES = [
    ("32", "73", "BANDUNG", ["CIBEUNYING", "COBLONG", "SUKAJADI", "ANDIR"]),
    ("33", "74", "SEMARANG", ["TEMBALANG", "BANYUMANIK", "GAJAHMUNGKUR", "CANDISARI"]),
    ("35", "78", "SURABAYA", ["GUBENG", "RUNGKUT", "WONOKROMO", "TEGALSARI"]),
    ("12", "71", "MEDAN", ["MEDAN BARU", "MEDAN JOHOR", "MEDAN TEMBUNG", "MEDAN AREA"]),
    ("73", "71", "MAKASSAR", ["PANAKKUKANG", "TAMALATE", "RAPPOCINI", "MARISO"]),
    ("51", "71", "DENPASAR", ["DENPASAR BARAT", "DENPASAR SELATAN", "DENPASAR TIMUR"]),
    ("36", "71", "TANGERANG", ["CIPONDOH", "KARAWACI", "CILEDUG", "PINANG"]),
    ("34", "04", "SLEMAN", ["DEPOK", "MLATI", "GAMPING", "NGAGLIK"]),
]
STREETS = ["MELATI", "MAWAR", "KENANGA", "MERDEKA", "SUDIRMAN", "DIPONEGORO", "PAHLAWAN", "CEMPAKA", "FLAMBOYAN"]
VILLAGES = ["SUKAMAJU", "MEKARSARI", "SIDOREJO", "TANJUNG SARI", "KARANGANYAR", "SUKARAME", "JATIMULYO"]
JOBS = [
    "PELAJAR/MAHASISWA",
    "KARYAWAN SWASTA",
    "WIRASWASTA",
    "PETANI/PEKEBUN",
    "MENGURUS RUMAH TANGGA",
    "PEDAGANG",
    "GURU",
    "BURUH HARIAN LEPAS",
    "NELAYAN/PERIKANAN",
    "PEGAWAI NEGERI SIPIL",
]
RELIGION_WEIGHTS = [
    (Agama.ISLAM, 87),
    (Agama.KRISTEN, 7),
    (Agama.KATOLIK, 3),
    (Agama.HINDU, 2),
    (Agama.BUDDHA, 1),
    (Agama.KHONGHUCU, 1),
    (Agama.KEPERCAYAAN, 1),
]


@dataclass(frozen=True)
class SyntheticResident:
    seed: int
    demographics: Demographics
    missing_finger: int | None  # a finger position to record as an exception, or None


def synthetic_resident(seed: int, today: date) -> SyntheticResident:
    rng = random.Random(seed)
    sex = rng.choice([MALE, FEMALE])
    names = FEMALE_NAMES if sex == FEMALE else MALE_NAMES
    nama = " ".join(rng.sample(names, rng.choice([1, 2, 2, 3])))
    province, regency, kabupaten, districts = rng.choice(PLACES)
    assert province in PROVINCES
    age_days = rng.randint(17 * 366, 80 * 365)
    birth = today - timedelta(days=age_days)
    married = rng.random() < 0.6
    status = (
        rng.choice([StatusPerkawinan.KAWIN, StatusPerkawinan.CERAI_HIDUP, StatusPerkawinan.CERAI_MATI])
        if married
        else StatusPerkawinan.BELUM_KAWIN
    )
    district = f"{rng.randint(90, 99)}"  # no real kecamatan: see module docstring
    nik = make_nik(province, regency, district, birth, sex, rng.randint(1, 9999))
    religions, weights = zip(*RELIGION_WEIGHTS, strict=True)
    d = Demographics(
        nik=nik,
        nama=nama,
        tempat_lahir=kabupaten,
        tanggal_lahir=birth,
        jenis_kelamin=JenisKelamin(sex),
        golongan_darah=rng.choice(list(GolonganDarah)),
        alamat=f"JL. {rng.choice(STREETS)} NO. {rng.randint(1, 200)}",
        rt=f"{rng.randint(1, 15):03d}",
        rw=f"{rng.randint(1, 12):03d}",
        kelurahan_desa=rng.choice(VILLAGES),
        kecamatan=rng.choice(districts),
        kabupaten_kota=kabupaten,
        provinsi=PROVINCES[province],
        agama=rng.choices(religions, weights)[0],
        status_perkawinan=status,
        pekerjaan=rng.choice(JOBS),
        kewarganegaraan=Kewarganegaraan.WNI,
    )
    missing = rng.randint(1, 10) if rng.random() < 0.03 else None
    return SyntheticResident(seed, d, missing)
