"""Every way an SBI device or its service can fail, as stable codes with bilingual remedies.

The station tells errors apart by `DeviceError.code` (``sbi.busy``, ``sbi.hash_chain``
...), never by text. Device error codes of the spec (100-112, 202 "no device", 5xx
vendor) map to named errors in `from_device_code`; what the station itself finds
wrong with an answer (signature, chain, subtypes, size) has its own constructors.
A vendor's own `errorInfo` is shown only as a short quoted detail: it is
untrusted text and may be in any language.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.biometrics import FingerPosition
from common.text import Text
from devices.base import DeviceError, DeviceKind, DeviceProtocolError, DeviceTimeout
from devices.sbi.spec import BioType

MAX_VENDOR_TEXT = 120


def kind_for(bio_type: BioType | None) -> DeviceKind:
    """The station's device kind of a modality. Iris has none yet: it reports as
    DeviceKind.IRIS once that kind exists, until then under the camera."""
    if bio_type == BioType.FINGER or bio_type is None:
        return DeviceKind.FINGERPRINT
    if bio_type == BioType.IRIS:
        return getattr(DeviceKind, "IRIS", DeviceKind.CAMERA)
    return DeviceKind.CAMERA


def _where(url: str | None) -> tuple[str, str]:
    return (f" ({url})", f" ({url})") if url else ("", "")


def _vendor(text: object) -> str:
    clean = "".join(c for c in str(text or "") if c.isprintable())[:MAX_VENDOR_TEXT]
    return f' "{clean}"' if clean else ""


_RESTART = Text(
    "Mulai ulang layanan perangkat (SBI/MDS) dari menu vendor atau cabut-colok alatnya, lalu ulangi.",
    "Restart the device service (SBI/MDS) from the vendor's menu or unplug and replug the device, then retry.",
)
_VENDOR_SUPPORT = Text(
    "Catat kode ini dan hubungi dukungan vendor alat; sementara itu pakai alat lain.",
    "Note this code and contact the device vendor's support; meanwhile use another device.",
)
_REGISTER = Text(
    "Alat belum terdaftar untuk pendaftaran: daftarkan alat lewat alat manajemen vendor, lalu mulai ulang layanannya.",
    "The device is not registered for registration use: register it with the vendor's management tool, "
    "then restart its service.",
)


@dataclass(frozen=True)
class _Code:
    name: str
    message: Text
    remedy: Text


_NO_OBJECT = {
    BioType.FINGER: Text(
        "Minta penduduk meletakkan keempat jari rata di tengah kaca (ibu jari: kedua ibu jari bersama); "
        "bersihkan kaca bila kotor.",
        "Ask the resident to lay the four fingers flat in the middle of the glass (thumbs: both thumbs together); "
        "clean the glass if it is dirty.",
    ),
    BioType.IRIS: Text(
        "Minta penduduk membuka mata lebar-lebar dan menatap kamera iris tanpa berkedip; lepas kacamata.",
        "Ask the resident to open both eyes wide and look into the iris camera without blinking; remove glasses.",
    ),
    BioType.FACE: Text(
        "Minta penduduk menghadap kamera di tengah bingkai.",
        "Ask the resident to face the camera in the middle of the frame.",
    ),
}

DEVICE_CODES: dict[int, _Code] = {
    100: _Code("not_registered", Text("Alat belum terdaftar", "Device not registered"), _REGISTER),
    101: _Code(
        "no_object",
        Text("Alat tidak menemukan biometrik", "Unable to detect a biometric object"),
        _NO_OBJECT[BioType.FINGER],
    ),
    102: _Code("extraction", Text("Kesalahan teknis saat ekstraksi", "Technical error during extraction"), _RESTART),
    103: _Code(
        "tampered",
        Text("Alat mendeteksi perusakan", "Device tamper detected"),
        Text(
            "Jangan pakai alat ini: laporkan ke supervisor dan ganti alatnya.",
            "Do not use this device: report it to the supervisor and replace it.",
        ),
    ),
    104: _Code(
        "management_server",
        Text("Alat tidak dapat menghubungi server manajemennya", "Unable to connect to the management server"),
        Text(
            "Alat perlu sinkron dengan server manajemen vendor: sambungkan ke jaringan atau hubungi vendor.",
            "The device must sync with its vendor's management server: connect it to the network or call the vendor.",
        ),
    ),
    105: _Code(
        "orientation",
        Text("Orientasi gambar salah", "Image orientation error"),
        Text(
            "Minta penduduk meletakkan jari/kepala tegak, lalu ulangi.",
            "Ask the resident to place the hand or head upright, then retry.",
        ),
    ),
    106: _Code(
        "device_not_found",
        Text("Alat tidak ditemukan oleh layanannya", "Device not found by its service"),
        Text(
            "Periksa kabel USB alat dan colokkan ulang, lalu ulangi.",
            "Check the device's USB cable and replug it, then retry.",
        ),
    ),
    107: _Code(
        "key_expired",
        Text("Kunci publik alat kedaluwarsa", "Device public key expired"),
        Text(
            "Perbarui pendaftaran alat lewat alat manajemen vendor.",
            "Renew the device's registration with the vendor's management tool.",
        ),
    ),
    108: _Code(
        "domain_key_missing",
        Text("Kunci publik domain tidak ada", "Domain public key missing"),
        Text(
            "Pasang kunci domain di layanan alat (lihat panduan vendor).",
            "Install the domain key in the device service (see the vendor's guide).",
        ),
    ),
    109: _Code(
        "count_not_supported",
        Text("Jumlah biometrik yang diminta tidak didukung alat", "Requested number of biometrics not supported"),
        Text(
            "Alat ini tidak mendukung jenis tangkapan ini (mis. bukan pemindai 4-4-2): pilih alat yang sesuai di pengaturan.",
            "This device cannot take this capture (e.g. it is not a 4-4-2 slap scanner): choose a suitable device in the settings.",
        ),
    ),
    110: _Code(
        "not_ready",
        Text("Alat belum siap", "Device is not ready"),
        Text(
            "Tunggu lampu alat siap, atau cabut-colok alatnya, lalu ulangi.",
            "Wait for the device's ready light, or replug it, then retry.",
        ),
    ),
    111: _Code(
        "busy",
        Text("Alat sedang dipakai", "Device is busy"),
        Text(
            "Tutup program lain yang memakai alat ini (mis. aplikasi vendor), tunggu sebentar, lalu ulangi.",
            "Close other programs using this device (e.g. the vendor's app), wait a moment, then retry.",
        ),
    ),
    112: _Code(
        "invalid_transaction",
        Text("ID transaksi ditolak alat", "Invalid transaction ID"),
        Text(
            "Ulangi tangkapan; bila terus terjadi, laporkan ke dukungan stasiun.",
            "Retry the capture; if it persists, report it to station support.",
        ),
    ),
    202: _Code(
        "no_device",
        Text("Tidak ada alat yang tersambung ke layanan", "No device connected to the service"),
        Text(
            "Colokkan alat ke port USB dan tunggu layanan mengenalinya, lalu ulangi.",
            "Plug the device into a USB port and wait for its service to see it, then retry.",
        ),
    ),
}


def from_device_code(code: int, info: object, *, bio_type: BioType | None, url: str | None) -> DeviceError:
    """The named error for a device's `error.errorCode` (non-zero)."""
    kind = kind_for(bio_type)
    wi, we = _where(url)
    vendor = _vendor(info)
    known = DEVICE_CODES.get(code)
    if known is not None:
        remedy = _NO_OBJECT.get(bio_type or BioType.FINGER, known.remedy) if code == 101 else known.remedy
        return DeviceError(
            Text(f"{known.message.id} (kode {code}){wi}.", f"{known.message.en} (code {code}){we}."),
            code=f"sbi.{known.name}",
            kind=kind,
            port=url,
            remedy=remedy,
        )
    if 500 <= code <= 599:
        return DeviceError(
            Text(f"Kesalahan vendor alat, kode {code}{vendor}{wi}.", f"Device vendor error, code {code}{vendor}{we}."),
            code="sbi.vendor_error",
            kind=kind,
            port=url,
            remedy=_VENDOR_SUPPORT,
        )
    return DeviceError(
        Text(
            f"Alat melaporkan kode tak dikenal {code}{vendor}{wi}.",
            f"The device reported unknown code {code}{vendor}{we}.",
        ),
        code="sbi.unknown_error",
        kind=kind,
        port=url,
        remedy=_RESTART,
    )


def status_refused(status: str, *, bio_type: BioType | None, url: str | None) -> DeviceError:
    """A deviceStatus other than Ready, as the error the matching code would give."""
    code = {"Busy": 111, "Not Ready": 110, "Not Registered": 100}.get(status)
    if code is not None:
        return from_device_code(code, None, bio_type=bio_type, url=url)
    wi, we = _where(url)
    return DeviceProtocolError(
        Text(f"Status alat tidak dikenal: {_vendor(status)}{wi}.", f"Unknown device status{_vendor(status)}{we}."),
        code="sbi.protocol",
        kind=kind_for(bio_type),
        port=url,
        remedy=_RESTART,
    )


def no_service(ports: str, *, bio_type: BioType | None) -> DeviceError:
    return DeviceError(
        Text(
            f"Tidak ada layanan alat SBI yang menjawab di 127.0.0.1 port {ports}.",
            f"No SBI device service answered on 127.0.0.1 ports {ports}.",
        ),
        code="sbi.no_service",
        kind=kind_for(bio_type),
        remedy=Text(
            "Pastikan layanan alat (SBI/MDS) dari vendor terpasang dan berjalan, dan alat tercolok; "
            "lalu pindai ulang di konsol perangkat.",
            "Make sure the vendor's device service (SBI/MDS) is installed and running and the device is plugged in; "
            "then rescan in the device console.",
        ),
    )


def timeout(url: str | None, seconds: float, *, bio_type: BioType | None) -> DeviceTimeout:
    wi, we = _where(url)
    return DeviceTimeout(
        Text(
            f"Layanan alat tidak menjawab dalam {seconds:.1f} detik{wi}.",
            f"The device service did not answer within {seconds:.1f} s{we}.",
        ),
        code="sbi.timeout",
        kind=kind_for(bio_type),
        port=url,
        remedy=_RESTART,
    )


def connection_lost(url: str | None, detail: str, *, bio_type: BioType | None) -> DeviceError:
    wi, we = _where(url)
    return DeviceError(
        Text(
            f"Sambungan ke layanan alat terputus ({detail}){wi}.",
            f"The device service dropped the connection ({detail}){we}.",
        ),
        code="sbi.connection_lost",
        kind=kind_for(bio_type),
        port=url,
        remedy=Text(
            "Layanan alat mungkin berhenti: mulai ulang layanannya (atau komputer), lalu pindai ulang perangkat.",
            "The device service may have stopped: restart it (or the computer), then rescan the devices.",
        ),
    )


def protocol(url: str | None, detail: str, *, bio_type: BioType | None) -> DeviceProtocolError:
    wi, we = _where(url)
    return DeviceProtocolError(
        Text(
            f"Jawaban layanan alat tidak sah: {detail}{wi}.", f"Invalid answer from the device service: {detail}{we}."
        ),
        code="sbi.protocol",
        kind=kind_for(bio_type),
        port=url,
        remedy=_RESTART,
    )


_REFUSE_CAPTURE = Text(
    "Tangkapan ini ditolak dan tidak disimpan. Ulangi; bila terus terjadi, alat atau layanannya tidak dapat dipercaya: "
    "laporkan ke supervisor.",
    "This capture was refused and not kept. Retry; if it keeps happening the device or its service cannot be trusted: "
    "report it to the supervisor.",
)


def bad_signature(url: str | None, detail: str, *, bio_type: BioType | None) -> DeviceProtocolError:
    wi, we = _where(url)
    return DeviceProtocolError(
        Text(
            f"Tanda tangan data alat tidak sah ({detail}){wi}.",
            f"The device's data signature is invalid ({detail}){we}.",
        ),
        code="sbi.bad_signature",
        kind=kind_for(bio_type),
        port=url,
        remedy=_REFUSE_CAPTURE,
    )


def untrusted(url: str | None, detail: str, *, bio_type: BioType | None) -> DeviceError:
    wi, we = _where(url)
    return DeviceError(
        Text(
            f"Sertifikat alat tidak dipercaya stasiun ({detail}){wi}.",
            f"The station does not trust the device's certificate ({detail}){we}.",
        ),
        code="sbi.untrusted",
        kind=kind_for(bio_type),
        port=url,
        remedy=Text(
            "Pasang sertifikat CA alat dari vendor di folder kepercayaan stasiun (opsi trust_store), atau pakai alat bersertifikat.",
            "Install the vendor's device CA certificate in the station's trust folder (option trust_store), or use a certified device.",
        ),
    )


def hash_chain(url: str | None, index: int, *, bio_type: BioType | None) -> DeviceProtocolError:
    wi, we = _where(url)
    return DeviceProtocolError(
        Text(
            f"Rantai hash tangkapan putus pada butir ke-{index + 1}{wi}.",
            f"The capture hash chain breaks at item {index + 1}{we}.",
        ),
        code="sbi.hash_chain",
        kind=kind_for(bio_type),
        port=url,
        remedy=_REFUSE_CAPTURE,
    )


class WrongSubtypes(DeviceError):
    """A capture that holds the wrong hand, an unasked subtype or too few items.
    `unexpected` and `missing` name them (bioSubType spellings)."""

    def __init__(
        self, message: Text, *, code: str, kind: DeviceKind, port: str | None, remedy: Text,
        unexpected: tuple[str, ...] = (), missing: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        super().__init__(message, code=code, kind=kind, port=port, remedy=remedy)
        self.unexpected = unexpected
        self.missing = missing


def wrong_hand(url: str | None, asked: str, got: str) -> WrongSubtypes:
    hand_id = {"Left": "kiri", "Right": "kanan"}
    return WrongSubtypes(
        Text(
            f"Alat membaca tangan {hand_id.get(got, got)}, padahal yang diminta tangan {hand_id.get(asked, asked)}.",
            f"The device read the {got.lower()} hand, but the {asked.lower()} hand was asked for.",
        ),
        code="sbi.wrong_hand",
        kind=DeviceKind.FINGERPRINT,
        port=url,
        remedy=Text(
            f"Minta penduduk mengangkat tangan itu dan meletakkan tangan {hand_id.get(asked, asked)} (empat jari rata), lalu ulangi.",
            f"Ask the resident to lift that hand and place the {asked.lower()} hand (four fingers flat), then retry.",
        ),
        unexpected=(got,),
    )


def unexpected_subtypes(url: str | None, unexpected: list[str], *, bio_type: BioType | None) -> WrongSubtypes:
    names = ", ".join(unexpected)
    return WrongSubtypes(
        Text(
            f"Alat mengirim biometrik yang tidak diminta: {names}.",
            f"The device sent biometrics that were not asked for: {names}.",
        ),
        code="sbi.unexpected_subtype",
        kind=kind_for(bio_type),
        port=url,
        remedy=_REFUSE_CAPTURE,
        unexpected=tuple(unexpected),
    )


def missing(
    url: str | None, missing_subtypes: list[str], labels: list[Text], *, bio_type: BioType | None
) -> WrongSubtypes:
    if bio_type == BioType.FINGER:
        remedy = Text(
            "Minta penduduk meletakkan semua jari yang diminta rata di kaca; jari yang memang tidak ada atau diperban "
            "dicatat sebagai pengecualian (disetujui supervisor).",
            "Ask the resident to place every requested finger flat on the glass; a finger that is missing or bandaged "
            "is recorded as an exception (approved by a supervisor).",
        )
    else:
        remedy = _NO_OBJECT.get(bio_type or BioType.IRIS, _RESTART)
    return WrongSubtypes(
        Text(
            "Tangkapan kurang: " + ", ".join(t.id for t in labels) + " tidak terbaca.",
            "Capture incomplete: " + ", ".join(t.en for t in labels) + " not read.",
        ),
        code="sbi.missing_finger" if bio_type == BioType.FINGER else "sbi.missing_item",
        kind=kind_for(bio_type),
        port=url,
        remedy=remedy,
        missing=tuple(missing_subtypes),
    )


def finger_labels(positions: list[FingerPosition]) -> list[Text]:
    return [p.label for p in positions]


def not_open(url: str | None, *, bio_type: BioType | None) -> DeviceError:
    return DeviceError(
        Text("Alat SBI belum dibuka.", "The SBI device is not open."),
        code="sbi.not_open",
        kind=kind_for(bio_type),
        port=url,
        remedy=Text("Buka perangkat dahulu.", "Open the device first."),
    )


def wrong_purpose(url: str | None, purpose: str, *, bio_type: BioType | None) -> DeviceError:
    return DeviceError(
        Text(
            f"Alat ini untuk tujuan{_vendor(purpose) or ' kosong'}, bukan pendaftaran (Registration).",
            f"This device is for purpose{_vendor(purpose) or ' (none)'}, not Registration.",
        ),
        code="sbi.wrong_purpose",
        kind=kind_for(bio_type),
        port=url,
        remedy=Text(
            "Alat autentikasi tidak dapat dipakai untuk perekaman: pakai alat pendaftaran bersertifikat, "
            "atau daftarkan alat ini untuk Registration.",
            "An authentication device cannot enrol: use a certified registration device, "
            "or register this one for Registration.",
        ),
    )


def no_device_of_type(url: str | None, *, bio_type: BioType | None) -> DeviceError:
    wi, we = _where(url)
    name = bio_type.value if bio_type else "?"
    return DeviceError(
        Text(f"Layanan alat tidak menawarkan alat {name}{wi}.", f"The device service offers no {name} device{we}."),
        code="sbi.no_device",
        kind=kind_for(bio_type),
        port=url,
        remedy=DEVICE_CODES[202].remedy,
    )
