"""Stable error codes of the signature pad, each with a bilingual message and remedy.

Callers tell errors apart by ``code`` (never by text). The remedies are written for the
person at the counter: an operator for the ``rejected_*`` codes, a technician for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.text import Text
from devices.base import DeviceError, DeviceKind, DeviceProtocolError, DeviceTimeout

NO_PORT = "signature.no_port"
NO_REPLY = "signature.no_reply"
PROTOCOL = "signature.protocol"
STUCK_TIP = "signature.stuck_tip"
DEAD_ZONE = "signature.dead_zone"
NOISE = "signature.noise"
NO_TRACE = "signature.no_trace"
REJECTED_EMPTY = "signature.rejected_empty"
REJECTED_TRIVIAL = "signature.rejected_trivial"
REJECTED_LITTLE_INK = "signature.rejected_little_ink"
REJECTED_OUTSIDE = "signature.rejected_outside"


@dataclass(frozen=True)
class ErrorText:
    message: Text
    remedy: Text


ERRORS: dict[str, ErrorText] = {
    NO_PORT: ErrorText(
        Text(
            "Port alat tanda tangan tidak ada atau tidak bisa dibuka.",
            "The signature pad's port is missing or cannot be opened.",
        ),
        Text(
            "Pilih port yang benar di pengaturan perangkat dan periksa kabel USB/serial.",
            "Choose the right port in the device settings and check the USB/serial cable.",
        ),
    ),
    NO_REPLY: ErrorText(
        Text("Alat tanda tangan tidak menjawab.", "The signature pad does not answer."),
        Text(
            "Periksa kabel dan daya alat, pastikan port yang dipilih benar, lalu coba lagi. "
            "Jika tetap diam, laporkan untuk penggantian alat.",
            "Check the cable and the pad's power, make sure the right port is selected, then try again. "
            "If it stays silent, report the pad for replacement.",
        ),
    ),
    PROTOCOL: ErrorText(
        Text(
            "Alat di port ini menjawab, tetapi bukan dengan bahasa alat tanda tangan ISDV4.",
            "The device on this port answers, but not in the ISDV4 signature-pad protocol.",
        ),
        Text(
            "Pastikan port ini memang untuk alat tanda tangan (bukan pemindai sidik jari) dan pilih driver yang benar.",
            "Make sure this port really is the signature pad's (not the fingerprint scanner's) and choose the right driver.",
        ),
    ),
    STUCK_TIP: ErrorText(
        Text(
            "Ujung pena terus terbaca menekan walaupun pena tidak menulis.",
            "The pen tip keeps reporting pressure even when the pen is not writing.",
        ),
        Text(
            "Angkat pena dari permukaan dan bersihkan ujungnya; jika tetap terbaca menekan, ganti ujung pena atau penanya.",
            "Lift the pen off the surface and clean its tip; if it still reads as pressed, replace the pen nib or the pen.",
        ),
    ),
    DEAD_ZONE: ErrorText(
        Text("Sebagian permukaan alat tidak merespons pena.", "Part of the pad's surface does not respond to the pen."),
        Text(
            "Telusuri lagi keempat sudut dan garis silang sambil menekan. Jika bagian itu tetap mati, "
            "laporkan alat untuk penggantian.",
            "Trace the four corners and the cross again, pressing firmly. If that area stays dead, "
            "report the pad for replacement.",
        ),
    ),
    NOISE: ErrorText(
        Text(
            "Terlalu banyak data rusak datang dari alat tanda tangan.",
            "Too many corrupted bytes arrive from the signature pad.",
        ),
        Text(
            "Periksa kabel dan konektor (longgar atau rusak), jauhkan dari kabel listrik dan adaptor, coba port lain "
            "atau ganti kabel.",
            "Check the cable and connectors (loose or damaged), keep it away from power cables and adapters, "
            "try another port or replace the cable.",
        ),
    ),
    NO_TRACE: ErrorText(
        Text("Tidak ada goresan uji yang terbaca.", "No test tracing was seen."),
        Text(
            "Saat diminta, telusuri keempat sudut alat lalu buat garis silang dengan pena menekan permukaan.",
            "When asked, trace the four corners of the pad and then a cross, with the pen pressing the surface.",
        ),
    ),
    REJECTED_EMPTY: ErrorText(
        Text("Belum ada tanda tangan.", "No signature was written."),
        Text(
            "Minta penduduk menandatangani di dalam kotak dengan pena menyentuh permukaan.",
            "Ask the resident to sign inside the box with the pen touching the surface.",
        ),
    ),
    REJECTED_TRIVIAL: ErrorText(
        Text(
            "Tanda tangan hanya berupa titik atau terlalu sedikit goresan.",
            "The signature is only a dot or too few points.",
        ),
        Text(
            "Minta penduduk menandatangani ulang dengan tanda tangan lengkapnya seperti biasa.",
            "Ask the resident to sign again with their full, usual signature.",
        ),
    ),
    REJECTED_LITTLE_INK: ErrorText(
        Text(
            "Tanda tangan terlalu pendek atau terlalu kecil.",
            "The signature is too short or too small (too little ink).",
        ),
        Text(
            "Minta penduduk menandatangani ulang secara lengkap dan sedikit lebih besar.",
            "Ask the resident to sign again, fully and a little larger.",
        ),
    ),
    REJECTED_OUTSIDE: ErrorText(
        Text("Sebagian besar tanda tangan berada di luar kotak.", "Most of the signature is outside the signing box."),
        Text(
            "Hapus lalu minta penduduk menandatangani di dalam kotak.",
            "Clear it and ask the resident to sign inside the box.",
        ),
    ),
}


class SignatureRejected(DeviceError):
    """A capture that holds no usable signature; ``code`` is one of the ``signature.rejected_*``."""


def signature_error(code: str, *, port: str | None = None, detail: str | None = None) -> DeviceError:
    """Build the DeviceError for `code`, picking the subclass callers can catch by type.

    `detail` (English, technical, no personal data) is appended to the message for the log
    and the "copy details" view.
    """
    texts = ERRORS[code]
    message = texts.message
    if detail:
        message = Text(f"{message.id} ({detail})", f"{message.en} ({detail})")
    cls: type[DeviceError]
    if code == NO_REPLY:
        cls = DeviceTimeout
    elif code == PROTOCOL:
        cls = DeviceProtocolError
    elif code.startswith("signature.rejected_"):
        cls = SignatureRejected
    else:
        cls = DeviceError
    return cls(message, code=code, kind=DeviceKind.SIGNATURE, port=port, remedy=texts.remedy)
