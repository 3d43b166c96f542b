"""Face photo checks: OpenCV proxies for the ICAO 9303 / ISO 19794-5 rules and the e-KTP backdrop.

`analyze_frame` runs eight checks (names as in `FaceCheck.name`) on one BGR frame:

* one_face   - exactly one Haar frontal face.
* head_size  - Haar face-box height / frame height in [HEAD_MIN, HEAD_MAX]. Haar boxes run
  from the eyebrows to the mouth and exclude hair, so crown-to-chin is about 1.7 box
  heights (calibrated on the simulator portrait, see photo.py); the upper bound keeps the
  3:4 crop with the head at 75 % inside the frame, the lower bound keeps enough pixels on
  the face.
* centring   - face-box centre within +-CENTRING_TOL of the frame width from the middle.
  The photo crop re-centres the face, so this only keeps the resident in front of the
  backdrop and the crop inside the frame.
* roll       - eye-line angle between the pupils (darkest spot inside each of two Haar
  eye boxes, on a 128 px face). Detector noise: the pupil is quantised to a pixel, about
  1 degree at this size; on 150 simulator renders at -9..9 degrees the error had sd 0.4
  and max 1.0 degrees, so the limit is ICAO's 5 degrees plus 1 (ROLL_TOL_DEG = 6). Real
  faces (glasses, fringe, squint) are noisier, which is why auto-capture also needs
  several passing frames in a row. A face without two eyes fails (eyes closed, dark
  glasses, hair over the eyes).
* sharpness  - variance of the Laplacian on the face, resampled to a fixed face size
  first: measured at the camera's own scale a 1080p focus loss would vanish in the
  downscale and a small face would be punished for its size.
* exposure   - mean luma of the face in [EXPOSURE_MIN, EXPOSURE_MAX] and at most 5 % of
  it clipped white. Without a single face it falls back to the whole frame with wider
  limits, so black frames are still named as exposure.
* background - largest per-channel std-dev of a border band (top strip, and the side
  strips above the chin) with every detected head and body masked out.
* backdrop   - hue of that band: red for an odd birth year, blue for an even one. With
  `birth_year=None` it passes with a reason saying it was not checked.

Checks that need exactly one face pass with `value=None` and a reason saying they were
not checked when there is not exactly one face: the failing `one_face` check is then the
one thing the operator must fix, and `FaceAnalysis.passed` is false anyway.
Detection runs on a frame downscaled to `analysis_width` (the expensive part); eyes,
sharpness and exposure use the face cut from the full-resolution frame.
"""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path

import cv2
import numpy as np

from common.text import Text
from devices.kinds import FaceAnalysis, FaceCheck

log = logging.getLogger(__name__)

HEAD_MIN, HEAD_MAX = 0.20, 0.40
CENTRING_TOL = 0.08
ROLL_TOL_DEG = 6.0
SHARPNESS_MIN = 18.0
EXPOSURE_MIN, EXPOSURE_MAX = 75.0, 210.0
FRAME_EXPOSURE_MIN, FRAME_EXPOSURE_MAX = 35.0, 225.0
CLIPPED_MAX = 0.05
BACKGROUND_MAX_STD = 16.0
FACE_NORM = 128  # face-box side after resampling, pixels
FACE_CASCADE = "frontalface_alt2"
BAND = 0.08  # border band thickness, fraction of the frame side

CHECK_LABELS: dict[str, Text] = {
    "one_face": Text("satu wajah", "one face"),
    "head_size": Text("ukuran kepala", "head size"),
    "centring": Text("posisi tengah", "centring"),
    "roll": Text("kemiringan kepala", "head tilt"),
    "sharpness": Text("ketajaman", "sharpness"),
    "exposure": Text("pencahayaan", "exposure"),
    "background": Text("latar rata", "plain background"),
    "backdrop": Text("warna latar", "backdrop colour"),
}
COLOUR_NAMES: dict[str, Text] = {
    "red": Text("merah", "red"),
    "blue": Text("biru", "blue"),
    "other": Text("bukan merah/biru", "neither red nor blue"),
}
NOT_CHECKED_NO_FACE = Text("Tidak diperiksa: perlu tepat satu wajah.", "Not checked: needs exactly one face.")

Box = tuple[int, int, int, int]
_local = threading.local()  # CascadeClassifier is not safe to share between threads


def haar_directory() -> Path:
    """Where the opencv wheel keeps its Haar XML files (cv2.data, which the stubs do not know)."""
    return Path(cv2.data.haarcascades)  # type: ignore[attr-defined]


def _cascade(name: str) -> cv2.CascadeClassifier:
    cached = getattr(_local, name, None)
    if cached is None:
        cached = cv2.CascadeClassifier(str(haar_directory() / f"haarcascade_{name}.xml"))
        if cached.empty():
            raise RuntimeError(f"OpenCV Haar cascade {name} missing (opencv-python-headless 5 ships none)")
        setattr(_local, name, cached)
    return cached


def _clahe() -> cv2.CLAHE:
    cached = getattr(_local, "clahe", None)
    if cached is None:
        cached = _local.clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    return cached


def detect_faces(grey: np.ndarray) -> list[Box]:
    """Haar frontal faces in a grey frame, largest first.

    Local contrast equalisation (CLAHE) lets a dim face be found so that it fails
    exposure rather than one_face. Plain equalizeHist does the opposite on an e-KTP
    frame: the uniform backdrop owns the histogram and the face is blown out to white.
    """
    equalised = _clahe().apply(grey)
    side = max(24, int(0.14 * grey.shape[0]))
    found = _cascade(FACE_CASCADE).detectMultiScale(
        equalised, scaleFactor=1.15, minNeighbors=5, minSize=(side, side), maxSize=(grey.shape[0], grey.shape[0])
    )
    boxes = [(int(x), int(y), int(w), int(h)) for x, y, w, h in found]
    return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


def _pupil(eye: np.ndarray) -> tuple[float, float]:
    """Darkest spot in the middle of an eye box: steadier than the box centre."""
    h, w = eye.shape
    inner = cv2.GaussianBlur(eye[h // 4 : h - h // 4, w // 5 : w - w // 5], (5, 5), 0)
    _, _, (px, py), _ = cv2.minMaxLoc(inner)
    return px + w // 5, py + h // 4


def find_eyes(face: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Left and right eye centres (image left first) in a FACE_NORM-square grey face, or None."""
    upper = face[: int(face.shape[0] * 0.62)]
    n = face.shape[1]
    found = _cascade("eye").detectMultiScale(
        upper, scaleFactor=1.1, minNeighbors=4, minSize=(n * 3 // 20, n * 3 // 20), maxSize=(n * 9 // 20, n * 9 // 20)
    )
    half = face.shape[1] / 2
    left = [b for b in found if b[0] + b[2] / 2 < half]
    right = [b for b in found if b[0] + b[2] / 2 >= half]
    if not left or not right:
        return None
    centres = []
    for x, y, w, h in (max(left, key=lambda b: b[2]), max(right, key=lambda b: b[2])):
        px, py = _pupil(upper[y : y + h, x : x + w])
        centres.append((float(x + px), float(y + py)))
    return centres[0], centres[1]


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def check_one_face(count: int) -> FaceCheck:
    if count == 1:
        reason = Text("Satu wajah terdeteksi.", "One face found.")
    elif count == 0:
        reason = Text(
            "Tidak ada wajah: minta warga duduk menghadap kamera.",
            "No face found: seat the resident facing the camera.",
        )
    else:
        reason = Text(
            f"{count} wajah terdeteksi: hanya warga yang difoto boleh di depan latar.",
            f"{count} faces found: only the resident may be in front of the backdrop.",
        )
    return FaceCheck("one_face", count == 1, float(count), reason)


def check_head_size(fraction: float) -> FaceCheck:
    limits = f"{_pct(HEAD_MIN)}-{_pct(HEAD_MAX)}"
    if fraction < HEAD_MIN:
        reason = Text(
            f"Wajah terlalu kecil ({_pct(fraction)} tinggi gambar, perlu {limits}): dekatkan warga ke kamera.",
            f"Face too small ({_pct(fraction)} of frame height, needs {limits}): bring the resident closer.",
        )
    elif fraction > HEAD_MAX:
        reason = Text(
            f"Wajah terlalu besar ({_pct(fraction)} tinggi gambar, perlu {limits}): jauhkan warga dari kamera.",
            f"Face too large ({_pct(fraction)} of frame height, needs {limits}): move the resident back.",
        )
    else:
        reason = Text(f"Ukuran wajah baik ({_pct(fraction)}).", f"Face size good ({_pct(fraction)}).")
    return FaceCheck("head_size", HEAD_MIN <= fraction <= HEAD_MAX, fraction, reason)


def check_centring(offset: float) -> FaceCheck:
    ok = abs(offset) <= CENTRING_TOL
    if ok:
        reason = Text(f"Wajah di tengah (geser {offset * 100:+.0f}%).", f"Face centred (offset {offset * 100:+.0f}%).")
    else:
        side_id, side_en = ("kanan", "right") if offset > 0 else ("kiri", "left")
        reason = Text(
            f"Wajah {_pct(abs(offset))} ke {side_id} dari tengah gambar (batas {_pct(CENTRING_TOL)}): "
            "minta warga bergeser ke tengah latar.",
            f"Face {_pct(abs(offset))} {side_en} of the frame centre (limit {_pct(CENTRING_TOL)}): "
            "ask the resident to move to the middle of the backdrop.",
        )
    return FaceCheck("centring", ok, offset, reason)


def check_roll(roll: float | None) -> FaceCheck:
    if roll is None:
        reason = Text(
            "Mata tidak terdeteksi: minta warga membuka mata, melepas kacamata gelap dan menyingkirkan rambut dari mata.",
            "Eyes not found: ask the resident to open their eyes, remove dark glasses and keep hair off the eyes.",
        )
        return FaceCheck("roll", False, None, reason)
    ok = abs(roll) <= ROLL_TOL_DEG
    if ok:
        reason = Text(f"Kepala tegak ({roll:+.1f}°).", f"Head upright ({roll:+.1f}°).")
    else:
        reason = Text(
            f"Kepala miring {roll:+.1f}° (batas ±{ROLL_TOL_DEG:g}°): minta warga menegakkan kepala.",
            f"Head tilted {roll:+.1f}° (limit ±{ROLL_TOL_DEG:g}°): ask the resident to hold the head straight.",
        )
    return FaceCheck("roll", ok, roll, reason)


def check_sharpness(variance: float) -> FaceCheck:
    ok = variance >= SHARPNESS_MIN
    if ok:
        reason = Text(f"Gambar tajam ({variance:.0f}).", f"Image sharp ({variance:.0f}).")
    else:
        reason = Text(
            f"Gambar kabur (ketajaman {variance:.0f}, perlu ≥ {SHARPNESS_MIN:g}): periksa fokus kamera, minta warga diam.",
            f"Image blurred (sharpness {variance:.0f}, needs ≥ {SHARPNESS_MIN:g}): check the camera focus, "
            "ask the resident to keep still.",
        )
    return FaceCheck("sharpness", ok, variance, reason)


def check_exposure(mean: float, clipped: float, *, whole_frame: bool) -> FaceCheck:
    lo, hi = (FRAME_EXPOSURE_MIN, FRAME_EXPOSURE_MAX) if whole_frame else (EXPOSURE_MIN, EXPOSURE_MAX)
    where = Text("gambar", "frame") if whole_frame else Text("wajah", "face")
    if mean < lo:
        reason = Text(
            f"{where.id.capitalize()} terlalu gelap (kecerahan {mean:.0f}, perlu {lo:g}-{hi:g}): "
            "nyalakan lampu, periksa tutup lensa.",
            f"{where.en.capitalize()} too dark (brightness {mean:.0f}, needs {lo:g}-{hi:g}): "
            "switch the lights on, check the lens cap.",
        )
    elif mean > hi or clipped > CLIPPED_MAX:
        reason = Text(
            f"{where.id.capitalize()} terlalu terang (kecerahan {mean:.0f}, {_pct(clipped)} putih penuh): "
            "kurangi lampu atau cahaya dari jendela.",
            f"{where.en.capitalize()} too bright (brightness {mean:.0f}, {_pct(clipped)} clipped white): "
            "dim the lights or the window light.",
        )
    else:
        reason = Text(
            f"Pencahayaan {where.id} baik ({mean:.0f}).", f"{where.en.capitalize()} exposure good ({mean:.0f})."
        )
    return FaceCheck("exposure", lo <= mean <= hi and clipped <= CLIPPED_MAX, mean, reason)


def check_background(std: float | None) -> FaceCheck:
    if std is None:
        reason = Text(
            "Latar tidak terlihat: warga terlalu dekat ke kamera.", "Backdrop not visible: resident too close."
        )
        return FaceCheck("background", False, None, reason)
    ok = std <= BACKGROUND_MAX_STD
    if ok:
        reason = Text(f"Latar rata ({std:.0f}).", f"Background plain ({std:.0f}).")
    else:
        reason = Text(
            f"Latar tidak rata (simpangan {std:.0f}, batas {BACKGROUND_MAX_STD:g}): "
            "rapikan kain latar, singkirkan benda dan bayangan di belakang warga.",
            f"Background not plain (std-dev {std:.0f}, limit {BACKGROUND_MAX_STD:g}): "
            "straighten the backdrop, remove objects and shadows behind the resident.",
        )
    return FaceCheck("background", ok, std, reason)


def classify_colour(mean_bgr: np.ndarray) -> tuple[str, float]:
    """'red', 'blue' or 'other' for a mean BGR colour, with its hue in degrees."""
    pixel = np.clip(mean_bgr, 0, 255).astype(np.uint8).reshape(1, 1, 3)
    hue, sat, val = (int(v) for v in cv2.cvtColor(pixel, cv2.COLOR_BGR2HSV)[0, 0])
    if sat >= 80 and val >= 50 and (hue <= 10 or hue >= 170):
        return "red", hue * 2.0
    if sat >= 80 and val >= 50 and 95 <= hue <= 130:
        return "blue", hue * 2.0
    return "other", hue * 2.0


def check_backdrop(colour: str | None, hue: float | None, birth_year: int | None) -> FaceCheck:
    if birth_year is None:
        reason = Text("Tidak diperiksa: tahun lahir belum diisi.", "Not checked: no birth year given.")
        return FaceCheck("backdrop", True, hue, reason)
    expected = "red" if birth_year % 2 else "blue"
    parity = Text("ganjil", "odd") if birth_year % 2 else Text("genap", "even")
    want = COLOUR_NAMES[expected]
    if colour is None:
        reason = Text("Latar tidak terlihat.", "Backdrop not visible.")
        return FaceCheck("backdrop", False, None, reason)
    got = COLOUR_NAMES[colour]
    if colour == expected:
        reason = Text(
            f"Latar {got.id}, sesuai tahun lahir {parity.id}.",
            f"Backdrop {got.en}, right for an {parity.en} birth year.",
        )
    else:
        reason = Text(
            f"Latar {got.id}, seharusnya {want.id} untuk tahun lahir {parity.id}: pasang latar {want.id}.",
            f"Backdrop {got.en}, must be {want.en} for an {parity.en} birth year: hang the {want.en} backdrop.",
        )
    return FaceCheck("backdrop", colour == expected, hue, reason)


def background_band(small: np.ndarray, faces: list[Box]) -> np.ndarray | None:
    """Pixels (N x 3) of the border band outside every head and body, or None if too few."""
    h, w = small.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    band_h, band_w = max(2, int(h * BAND)), max(2, int(w * BAND))
    bottom = min(h, max((y + bh + int(0.1 * h) for _, y, _, bh in faces), default=int(0.6 * h)))
    mask[:band_h, :] = 1
    mask[:bottom, :band_w] = 1
    mask[:bottom, w - band_w :] = 1
    for x, y, bw, bh in faces:
        x0, x1 = max(0, int(x - 0.45 * bw)), min(w, int(x + bw * 1.45))
        mask[max(0, int(y - 0.75 * bh)) :, x0:x1] = 0
    pixels = small[mask.astype(bool)]
    return pixels if len(pixels) >= 0.02 * h * w else None


def face_sharpness(face: np.ndarray) -> float:
    """Variance of the Laplacian of the face after a p1-p99 contrast stretch and a sigma-1 blur.

    The stretch makes it independent of exposure (a dim face is not a blurred face); the
    small blur keeps sensor noise, which the bare Laplacian amplifies, from passing as detail.
    """
    lo, hi = np.percentile(face, (1, 99))
    stretched = (face.astype(np.float32) - float(lo)) * (255.0 / max(float(hi - lo), 1.0))
    smoothed = cv2.GaussianBlur(np.clip(stretched, 0, 255), (0, 0), 1.0)
    return float(cv2.Laplacian(smoothed, cv2.CV_32F).var())


def _face_roll_checks(frame: np.ndarray, box: Box) -> tuple[FaceCheck, FaceCheck, FaceCheck]:
    x, y, w, h = box
    grey = cv2.cvtColor(frame[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
    interp = cv2.INTER_AREA if h > FACE_NORM else cv2.INTER_LINEAR
    face = cv2.resize(grey, (FACE_NORM, FACE_NORM), interpolation=interp)
    eyes = find_eyes(face)
    roll = None
    if eyes is not None:
        (lx, ly), (rx, ry) = eyes
        roll = math.degrees(math.atan2(ry - ly, rx - lx))
    sharpness = face_sharpness(face)
    mean = float(face.mean())
    clipped = float(np.count_nonzero(face >= 250)) / face.size
    return check_roll(roll), check_sharpness(sharpness), check_exposure(mean, clipped, whole_frame=False)


def _not_checked(name: str) -> FaceCheck:
    return FaceCheck(name, True, None, NOT_CHECKED_NO_FACE)


def analyze_frame(frame_bgr: np.ndarray, birth_year: int | None, *, analysis_width: int = 320) -> FaceAnalysis:
    """Run every face photo check on one BGR frame; never raises on a bad picture."""
    return analyze_frame_and_grey(frame_bgr, birth_year, analysis_width=analysis_width)[0]


def analyze_frame_and_grey(
    frame_bgr: np.ndarray, birth_year: int | None, *, analysis_width: int = 320
) -> tuple[FaceAnalysis, np.ndarray]:
    """`analyze_frame`, also returning the downscaled grey frame (reused for motion)."""
    height, width = frame_bgr.shape[:2]
    scale = min(1.0, analysis_width / width)
    small = frame_bgr
    if scale < 1.0:
        small = cv2.resize(frame_bgr, (analysis_width, round(height * scale)), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    faces = detect_faces(grey)
    checks = [check_one_face(len(faces))]
    face_box: tuple[int, int, int, int] | None = None
    if len(faces) == 1:
        fx, fy, fw, fh = faces[0]
        face_box = (round(fx / scale), round(fy / scale), round(fw / scale), round(fh / scale))
        face_box = _clip_box(face_box, width, height)
        checks.append(check_head_size(fh / small.shape[0]))
        checks.append(check_centring((fx + fw / 2) / small.shape[1] - 0.5))
        checks.extend(_face_roll_checks(frame_bgr, face_box))
    else:
        checks.extend(_not_checked(n) for n in ("head_size", "centring", "roll", "sharpness"))
        clipped = float(np.count_nonzero(grey >= 250)) / grey.size
        checks.append(check_exposure(float(grey.mean()), clipped, whole_frame=True))
    band = background_band(small, faces)
    if band is None:
        checks.append(check_background(None))
        checks.append(check_backdrop(None, None, birth_year))
    else:
        checks.append(check_background(float(band.std(axis=0).max())))
        colour, hue = classify_colour(band.mean(axis=0))
        checks.append(check_backdrop(colour, hue, birth_year))
    return FaceAnalysis(checks=checks, face_box=face_box), grey


def _clip_box(box: Box, width: int, height: int) -> Box:
    x, y, w, h = box
    x, y = max(0, x), max(0, y)
    return x, y, max(1, min(w, width - x)), max(1, min(h, height - y))


def failing_checks(analysis: FaceAnalysis) -> list[FaceCheck]:
    return [c for c in analysis.checks if not c.passed]


def describe_failures(analysis: FaceAnalysis | None) -> Text:
    """One bilingual line naming the failing checks, for timeouts and logs."""
    if analysis is None:
        return Text("belum ada gambar yang dianalisis.", "no frame was analysed.")
    failed = failing_checks(analysis)
    if not failed:
        return Text("semua pemeriksaan lolos.", "all checks passed.")
    return Text(
        "; ".join(f"{CHECK_LABELS[c.name].id}: {c.reason.id}" for c in failed),
        "; ".join(f"{CHECK_LABELS[c.name].en}: {c.reason.en}" for c in failed),
    )
