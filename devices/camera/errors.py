"""Camera error codes with their bilingual messages and remedies.

Codes are stable names (``camera.no_camera`` ...) that the station and the self-test
report match on; the text may change, the code may not.
"""

from __future__ import annotations

from common.text import Text
from devices.base import DeviceError, DeviceKind
from devices.kinds import FaceAnalysis

NO_CAMERA = "camera.no_camera"
NO_FRAMES = "camera.no_frames"
BLACK_FRAMES = "camera.black_frames"
CAPTURE_TIMEOUT = "camera.capture_timeout"
RESOLUTION = "camera.resolution"
FRAME_RATE = "camera.frame_rate"
BLURRED = "camera.blurred"
SHAKING = "camera.shaking"
NO_FACE = "camera.no_face"
BUSY = "camera.busy"
CONFIG = "camera.config"

_TEXTS: dict[str, tuple[Text, Text]] = {
    NO_CAMERA: (
        Text("Kamera di {port} tidak dapat dibuka.", "The camera on {port} cannot be opened."),
        Text(
            "Periksa kabel USB dan colokan, coba port USB lain, tutup aplikasi lain yang memakai kamera, "
            "lalu periksa nomor/jalur kamera di pengaturan.",
            "Check the USB cable and plug, try another USB port, close other programs using the camera, "
            "then check the camera number or path in the settings.",
        ),
    ),
    NO_FRAMES: (
        Text(
            "Kamera di {port} berhenti mengirim gambar (tidak ada gambar selama {seconds:g} detik).",
            "The camera on {port} stopped sending pictures (none for {seconds:g} s).",
        ),
        Text(
            "Cabut dan pasang lagi kabel USB kamera; jika terulang, pakai port USB di belakang komputer "
            "atau ganti kabel/hub.",
            "Unplug and replug the camera's USB cable; if it happens again use a USB port at the back of the "
            "computer or replace the cable or hub.",
        ),
    ),
    BLACK_FRAMES: (
        Text("Kamera di {port} hanya mengirim gambar hitam.", "The camera on {port} sends only black pictures."),
        Text(
            "Lepas tutup lensa, nyalakan lampu ruangan; jika tetap hitam, sensor kamera rusak.",
            "Remove the lens cap and switch the room lights on; if it stays black the camera sensor is faulty.",
        ),
    ),
    CAPTURE_TIMEOUT: (
        Text(
            "Foto belum memenuhi syarat setelah {seconds:g} detik: {failures}",
            "The photo did not meet the rules within {seconds:g} s: {failures}",
        ),
        Text(
            "Perbaiki hal di atas lalu coba lagi, atau ambil foto manual jika petugas yakin foto layak.",
            "Fix the points above and try again, or take the photo manually if the operator judges it fit.",
        ),
    ),
    RESOLUTION: (
        Text(
            "Kamera di {port} memberi {measured}, bukan {expected}.",
            "The camera on {port} delivers {measured}, not the requested {expected}.",
        ),
        Text(
            "Pakai kamera yang mendukung resolusi itu, atau ubah resolusi di pengaturan; port USB 2 yang "
            "penuh dapat menurunkan resolusi.",
            "Use a camera that supports that resolution or change it in the settings; a crowded USB 2 port "
            "can force a lower one.",
        ),
    ),
    FRAME_RATE: (
        Text("Kamera di {port} terlalu lambat ({measured}).", "The camera on {port} is too slow ({measured})."),
        Text(
            "Tutup program lain, pakai port USB 3 atau resolusi lebih rendah, tambah cahaya (kamera "
            "memperlambat diri saat gelap).",
            "Close other programs, use a USB 3 port or a lower resolution, add light (cameras slow down in the dark).",
        ),
    ),
    BLURRED: (
        Text("Gambar kamera di {port} kabur.", "The picture from the camera on {port} is blurred."),
        Text(
            "Bersihkan lensa, atur fokus (putar cincin fokus atau nyalakan fokus otomatis) pada jarak duduk warga.",
            "Clean the lens and set the focus (turn the focus ring or enable autofocus) at the resident's seat.",
        ),
    ),
    SHAKING: (
        Text("Kamera di {port} bergoyang.", "The camera on {port} is shaking."),
        Text(
            "Kencangkan kepala tripod dan kaki-kakinya, letakkan tripod di lantai yang rata, jauhkan dari meja "
            "yang sering tersentuh.",
            "Tighten the tripod head and legs, stand it on a level floor, away from desks people bump into.",
        ),
    ),
    NO_FACE: (
        Text("Tidak ada wajah yang terdeteksi.", "No face was found."),
        Text(
            "Dudukkan satu orang di depan latar, menghadap kamera, dengan cahaya cukup.",
            "Seat one person in front of the backdrop, facing the camera, in good light.",
        ),
    ),
    BUSY: (
        Text("Kamera di {port} sedang mengambil foto lain.", "The camera on {port} is already taking a photo."),
        Text("Tunggu foto sebelumnya selesai atau dibatalkan.", "Wait for the other capture to finish or cancel it."),
    ),
    CONFIG: (
        Text("Pengaturan kamera tidak valid: {detail}.", "Invalid camera setting: {detail}."),
        Text("Perbaiki pengaturan kamera.", "Correct the camera settings."),
    ),
}


def message(code: str, **values: object) -> Text:
    """The message for `code`; a `Text` value is substituted language by language."""
    template = _TEXTS[code][0]
    ids = {k: v.id if isinstance(v, Text) else v for k, v in values.items()}
    ens = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
    return Text(template.id.format(**ids), template.en.format(**ens))


def remedy(code: str) -> Text:
    return _TEXTS[code][1]


def camera_error(code: str, port: str | None, **values: object) -> DeviceError:
    """A DeviceError for `code` with its bilingual message (formatted with `values`) and remedy."""
    return DeviceError(
        message(code, port=port or "?", **values), code=code, kind=DeviceKind.CAMERA, port=port, remedy=remedy(code)
    )


class CaptureTimeoutError(DeviceError):
    """``camera.capture_timeout``: no photo met the rules in time; `failing` names the checks."""

    def __init__(self, message: Text, *, port: str | None, analysis: FaceAnalysis | None, failing: tuple[str, ...]):
        super().__init__(
            message, code=CAPTURE_TIMEOUT, kind=DeviceKind.CAMERA, port=port, remedy=remedy(CAPTURE_TIMEOUT)
        )
        self.analysis = analysis
        self.failing = failing
