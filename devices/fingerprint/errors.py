"""Every way an EF01 module can fail, as stable codes with bilingual words.

The station tells errors apart by `DeviceError.code` (``fingerprint.no_reply`` ...),
never by text. Messages say what happened; remedies say what a technician can do
about it, in the words they use at the counter (cable, glass, baud), not ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.text import Text
from devices.base import DeviceError, DeviceKind, DeviceProtocolError, DeviceTimeout

KIND = DeviceKind.FINGERPRINT


@dataclass(frozen=True)
class Confirmation:
    """One confirmation code of the module: what it means and, when it is a fault, its error code."""

    meaning: Text
    code: str = "fingerprint.module_error"
    remedy: Text | None = None


_REMEDY_RETRY = Text(
    "Ulangi perintah; bila terus terjadi, matikan-hidupkan alat.",
    "Retry; if it keeps happening, power-cycle the module.",
)
_REMEDY_CABLE = Text(
    "Periksa kabel data (TX/RX) dan daya alat, lalu ulangi.",
    "Check the data wires (TX/RX) and the module's power, then retry.",
)
_REMEDY_CLEAN = Text(
    "Bersihkan kaca pemindai dengan kain lembut yang sedikit dibasahi alkohol, keringkan, lalu ulangi.",
    "Clean the scanner glass with a soft cloth lightly moistened with alcohol, let it dry, then retry.",
)
_REMEDY_SENSOR = Text(
    "Sensor rusak atau kabel sensor lepas: matikan alat, periksa konektor sensor, hidupkan lagi; "
    "bila tetap gagal, ganti modul sidik jari.",
    "Sensor fault or loose sensor cable: power off, reseat the sensor connector, power on; "
    "if it still fails, replace the fingerprint module.",
)

CONFIRMATIONS: dict[int, Confirmation] = {
    0x00: Confirmation(Text("Berhasil", "OK")),
    0x01: Confirmation(
        Text("Alat gagal menerima paket", "The module failed to receive the packet"),
        "fingerprint.receive_error",
        _REMEDY_CABLE,
    ),
    0x02: Confirmation(Text("Tidak ada jari di sensor", "No finger on the sensor")),
    0x03: Confirmation(
        Text("Gagal mengambil gambar jari", "Failed to take the finger image"),
        "fingerprint.image_failed",
        _REMEDY_RETRY,
    ),
    0x06: Confirmation(Text("Gambar jari terlalu kacau", "The finger image is too disorderly")),
    0x07: Confirmation(Text("Titik ciri jari terlalu sedikit", "Too few feature points in the image")),
    0x08: Confirmation(Text("Jari tidak cocok", "The finger does not match")),
    0x09: Confirmation(Text("Tidak ditemukan di pustaka", "No match found in the library")),
    0x0A: Confirmation(Text("Gagal menggabungkan templat", "Failed to combine the templates")),
    0x0B: Confirmation(Text("Nomor halaman di luar pustaka", "Page number beyond the library")),
    0x0C: Confirmation(Text("Templat tidak valid atau gagal dibaca", "Invalid template or failed to read it")),
    0x0D: Confirmation(Text("Gagal mengirim templat", "Failed to upload the template")),
    0x0E: Confirmation(
        Text("Alat tidak dapat menerima paket data berikutnya", "The module cannot receive the following data packets"),
        "fingerprint.receive_error",
        _REMEDY_CABLE,
    ),
    0x0F: Confirmation(
        Text("Gagal mengirim gambar", "Failed to upload the image"), "fingerprint.image_upload", _REMEDY_RETRY
    ),
    0x10: Confirmation(Text("Gagal menghapus templat", "Failed to delete the template")),
    0x11: Confirmation(Text("Gagal mengosongkan pustaka", "Failed to clear the library")),
    0x13: Confirmation(Text("Kata sandi alat salah", "Wrong module password"), "fingerprint.wrong_password"),
    0x15: Confirmation(Text("Tidak ada gambar utama yang valid", "No valid primary image")),
    0x18: Confirmation(
        Text("Gagal menulis ke memori flash", "Flash write error"), "fingerprint.flash_error", _REMEDY_RETRY
    ),
    0x19: Confirmation(Text("Kesalahan tak terdefinisi", "Undefined error")),
    0x1A: Confirmation(Text("Nomor register tidak valid", "Invalid register number")),
    0x1B: Confirmation(Text("Isi register salah", "Incorrect register configuration")),
    0x1C: Confirmation(Text("Halaman notepad salah", "Wrong notepad page")),
    0x1D: Confirmation(
        Text("Port komunikasi gagal", "Communication port failure"), "fingerprint.receive_error", _REMEDY_CABLE
    ),
    0x1F: Confirmation(Text("Pustaka sidik jari penuh", "The fingerprint library is full"), "fingerprint.library_full"),
    0x20: Confirmation(Text("Alamat alat salah", "Wrong module address"), "fingerprint.wrong_address"),
    0x21: Confirmation(
        Text("Kata sandi harus diverifikasi dahulu", "The password must be verified first"),
        "fingerprint.password_required",
    ),
    0x22: Confirmation(Text("Templat kosong", "The template is empty")),
    0x24: Confirmation(Text("Pustaka kosong", "The library is empty")),
    0x26: Confirmation(Text("Waktu habis di alat", "Timeout inside the module")),
    0x27: Confirmation(Text("Sidik jari sudah ada", "The fingerprint already exists")),
    0x29: Confirmation(
        Text("Kerusakan perangkat keras sensor", "Sensor hardware error"), "fingerprint.sensor_fault", _REMEDY_SENSOR
    ),
    0x55: Confirmation(Text("Alat siap", "Module OK")),
    0xFC: Confirmation(
        Text("Perintah tidak didukung alat ini", "Command not supported by this module"), "fingerprint.unsupported"
    ),
    0xFD: Confirmation(Text("Kerusakan perangkat keras", "Hardware error"), "fingerprint.module_error", _REMEDY_SENSOR),
    0xFE: Confirmation(
        Text("Perintah gagal dijalankan", "Command execution failed"), "fingerprint.module_error", _REMEDY_RETRY
    ),
}

UNSUPPORTED_CODES = frozenset({0xFC, 0xFE})


def describe(confirmation: int) -> Text:
    found = CONFIRMATIONS.get(confirmation)
    if found is None:
        return Text(
            f"Kode konfirmasi tak dikenal 0x{confirmation:02X}", f"Unknown confirmation code 0x{confirmation:02X}"
        )
    return found.meaning


def _where(port: str | None) -> tuple[str, str]:
    return (f" (port {port})", f" (port {port})") if port else ("", "")


def module_refused(confirmation: int, instruction: str, port: str | None) -> DeviceError:
    """An ACK whose confirmation code is a fault for this instruction."""
    conf = CONFIRMATIONS.get(confirmation, Confirmation(describe(confirmation)))
    if conf.code == "fingerprint.sensor_fault":
        return sensor_fault(port)
    if conf.code == "fingerprint.wrong_password":
        return wrong_password(port)
    wi, we = _where(port)
    return DeviceError(
        Text(
            f"Pemindai sidik jari menolak {instruction}: {conf.meaning.id} (0x{confirmation:02X}){wi}.",
            f"The fingerprint scanner refused {instruction}: {conf.meaning.en} (0x{confirmation:02X}){we}.",
        ),
        code=conf.code,
        kind=KIND,
        port=port,
        remedy=conf.remedy or _REMEDY_RETRY,
    )


def no_reply(port: str | None) -> DeviceTimeout:
    wi, we = _where(port)
    return DeviceTimeout(
        Text(f"Pemindai sidik jari tidak menjawab{wi}.", f"The fingerprint scanner did not answer{we}."),
        code="fingerprint.no_reply",
        kind=KIND,
        port=port,
        remedy=Text(
            "Periksa kabel USB/serial dan daya alat, pastikan port yang dipilih benar dan kabel TX/RX tidak tertukar.",
            "Check the USB/serial cable and the module's power, that the selected port is right and TX/RX are not swapped.",
        ),
    )


def garbage(port: str | None, n_bytes: int) -> DeviceProtocolError:
    wi, we = _where(port)
    return DeviceProtocolError(
        Text(
            f"Pemindai mengirim {n_bytes} bait yang bukan paket yang sah{wi}.",
            f"The scanner sent {n_bytes} bytes that are not a valid packet{we}.",
        ),
        code="fingerprint.protocol",
        kind=KIND,
        port=port,
        remedy=Text(
            "Periksa kecepatan (baud) dan kabel; jauhkan kabel dari sumber gangguan listrik.",
            "Check the baud rate and the cable; keep the cable away from electrical noise.",
        ),
    )


def truncated(port: str | None, got: int, expected: int) -> DeviceProtocolError:
    wi, we = _where(port)
    return DeviceProtocolError(
        Text(
            f"Jawaban pemindai terpotong: {got} dari {expected} bait{wi}.",
            f"The scanner's reply was cut short: {got} of {expected} bytes{we}.",
        ),
        code="fingerprint.protocol",
        kind=KIND,
        port=port,
        remedy=_REMEDY_CABLE,
    )


def bad_frame(port: str | None, detail: str) -> DeviceProtocolError:
    wi, we = _where(port)
    return DeviceProtocolError(
        Text(f"Paket pemindai tidak sah ({detail}){wi}.", f"Invalid packet from the scanner ({detail}){we}."),
        code="fingerprint.protocol",
        kind=KIND,
        port=port,
        remedy=_REMEDY_CABLE,
    )


def bad_checksum(port: str | None) -> DeviceProtocolError:
    wi, we = _where(port)
    return DeviceProtocolError(
        Text(f"Checksum paket dari pemindai salah{wi}.", f"Bad checksum in a packet from the scanner{we}."),
        code="fingerprint.bad_checksum",
        kind=KIND,
        port=port,
        remedy=Text(
            "Data rusak di jalur: periksa kabel dan konektor, pakai kabel yang lebih pendek atau berpelindung.",
            "Data is corrupted on the line: check the cable and connectors; use a shorter or shielded cable.",
        ),
    )


def wrong_baud(port: str | None, baud: int, detected: int | None) -> DeviceProtocolError:
    wi, we = _where(port)
    if detected:
        remedy = Text(
            f"Alat menjawab pada {detected} baud: ubah baud pemindai di pengaturan stasiun menjadi {detected}.",
            f"The module answers at {detected} baud: set the scanner baud in the station settings to {detected}.",
        )
    else:
        remedy = Text(
            "Samakan baud di pengaturan stasiun dengan baud alat (bawaan pabrik 57600).",
            "Make the station's scanner baud match the module's (factory default 57600).",
        )
    return DeviceProtocolError(
        Text(
            f"Pemindai mengirim data yang tidak terbaca pada {baud} baud{wi}.",
            f"The scanner sends data that cannot be read at {baud} baud{we}.",
        ),
        code="fingerprint.wrong_baud",
        kind=KIND,
        port=port,
        remedy=remedy,
    )


def wrong_password(port: str | None) -> DeviceError:
    wi, we = _where(port)
    return DeviceError(
        Text(f"Kata sandi pemindai sidik jari salah{wi}.", f"Wrong fingerprint scanner password{we}."),
        code="fingerprint.wrong_password",
        kind=KIND,
        port=port,
        remedy=Text(
            "Isi kata sandi alat yang benar di pengaturan stasiun (bawaan pabrik 00000000).",
            "Enter the module's password in the station settings (factory default 00000000).",
        ),
    )


def sensor_fault(port: str | None) -> DeviceError:
    wi, we = _where(port)
    return DeviceError(
        Text(
            f"Sensor pemindai sidik jari rusak (kode 0x29){wi}.",
            f"The fingerprint sensor reports a hardware fault (code 0x29){we}.",
        ),
        code="fingerprint.sensor_fault",
        kind=KIND,
        port=port,
        remedy=_REMEDY_SENSOR,
    )


def ghost_finger(port: str | None) -> DeviceError:
    wi, we = _where(port)
    return DeviceError(
        Text(
            f"Pemindai melihat jari padahal kaca kosong (kaca kotor atau ada bekas sidik jari){wi}.",
            f"The scanner sees a finger on an empty glass (dirty glass or a latent print){we}.",
        ),
        code="fingerprint.ghost_finger",
        kind=KIND,
        port=port,
        remedy=Text(
            _REMEDY_CLEAN.id + " Bila jari penduduk sudah menempel, minta diangkat dahulu.",
            _REMEDY_CLEAN.en + " If the resident's finger was already on the glass, ask them to lift it first.",
        ),
    )


def timeout_no_finger(port: str | None, seconds: float) -> DeviceTimeout:
    wi, we = _where(port)
    return DeviceTimeout(
        Text(
            f"Tidak ada jari diletakkan dalam {seconds:.0f} detik{wi}.",
            f"No finger was placed within {seconds:.0f} seconds{we}.",
        ),
        code="fingerprint.timeout_no_finger",
        kind=KIND,
        port=port,
        remedy=Text(
            "Minta penduduk menekan jari rata di tengah kaca; bila jari tidak dapat direkam, catat sebagai pengecualian.",
            "Ask the resident to press the finger flat in the middle of the glass; if it cannot be taken, record an exception.",
        ),
    )


def slow_line(port: str | None, measured_s: float, expected_s: float) -> DeviceTimeout:
    wi, we = _where(port)
    return DeviceTimeout(
        Text(
            f"Pengiriman gambar terlalu lambat: perkiraan {measured_s:.0f} detik, seharusnya sekitar {expected_s:.0f} detik{wi}.",
            f"The image upload is too slow: about {measured_s:.0f} s expected {expected_s:.0f} s{we}.",
        ),
        code="fingerprint.slow_line",
        kind=KIND,
        port=port,
        remedy=Text(
            "Periksa kabel (terlalu panjang atau rusak) dan adaptor USB-serial; ganti adaptor bila perlu.",
            "Check the cable (too long or damaged) and the USB-serial adapter; replace the adapter if needed.",
        ),
    )


def port_unavailable(port: str | None, reason: str) -> DeviceError:
    wi, we = _where(port)
    return DeviceError(
        Text(f"Port pemindai tidak dapat dibuka{wi}: {reason}.", f"Cannot open the scanner port{we}: {reason}."),
        code="fingerprint.port_unavailable",
        kind=KIND,
        port=port,
        remedy=Text(
            "Colokkan pemindai, pilih port yang benar, tutup program lain yang memakai port itu; "
            "di Linux, pengguna harus anggota grup 'dialout'.",
            "Plug the scanner in, select the right port and close other programs using it; "
            "on Linux the user must be in the 'dialout' group.",
        ),
    )


def port_lost(port: str | None, reason: str) -> DeviceError:
    wi, we = _where(port)
    return DeviceError(
        Text(f"Sambungan ke pemindai terputus{wi}: {reason}.", f"The scanner was disconnected{we}: {reason}."),
        code="fingerprint.port_lost",
        kind=KIND,
        port=port,
        remedy=Text(
            "Colokkan kembali kabel pemindai, lalu buka ulang perangkat; bila sering terjadi, ganti kabel USB.",
            "Plug the scanner cable back in, then reopen the device; if it keeps happening, replace the USB cable.",
        ),
    )


def not_open(port: str | None) -> DeviceError:
    return DeviceError(
        Text("Pemindai sidik jari belum dibuka.", "The fingerprint scanner is not open."),
        code="fingerprint.not_open",
        kind=KIND,
        port=port,
        remedy=Text("Buka perangkat dahulu.", "Open the device first."),
    )
