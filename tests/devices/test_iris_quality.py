"""The station's iris measures against synthetic eyes whose geometry is known exactly.

Each eye comes from devices.sbi.irisgen with its `IrisTruth` (circles, drawn grey
means, usable fraction); every measure must land within the tolerance named below.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import pytest

from common.text import Text
from devices.iris.quality import (
    GAZE_MAX_DEG,
    MEASURE_NAMES,
    SHARPNESS_MIN,
    IrisQuality,
    assess_iris,
)
from devices.sbi import irisgen

RADIUS_TOL_PX = 2.0  # pupil and iris radius
CENTRE_TOL_PX = 2.0  # pupil and iris centre
RATIO_TOL = 2.0  # pupil-to-iris ratio, points of 100
CONCENTRICITY_TOL = 2.0  # points of 100
USABLE_AREA_TOL = 5.0  # points of 100
CONTRAST_TOL = 3.0  # ISO contrasts, points of 100, against the ISO formulas on the drawn means
MARGIN_TOL = 5.0  # points of 100
GAZE_TOL_DEG = 3.0  # for an eye turned 10 degrees or more
GAZE_STRAIGHT_MAX_DEG = 5.0  # what a straight eye may read (the estimate is acos near 1)

GEOMETRIES: dict[str, dict[str, Any]] = {
    "default": {},
    "right eye": {"eye": "Right"},
    "offset pupil": {"pupil_offset": (8.0, -5.0), "iris_offset": (20.0, 10.0)},
    "small pupil": {"pupil_ratio": 0.25},
    "large pupil": {"pupil_ratio": 0.65},
    "small iris": {"iris_radius": 70.0},
    "large iris": {"iris_radius": 150.0},
    "turned 10 degrees": {"gaze_deg": 10.0},
    "slight blur": {"blur_sigma": 1.0},
    "noisy sensor": {"noise_sigma": 6.0},
    "drooping lid": {"upper_opening": 0.45},
}


def _eye(seed: int, **kw: Any) -> irisgen.EyeImage:
    eye = str(kw.pop("eye", "Left"))
    return irisgen.synthetic_eye(seed, eye, **kw)


def _value(q: IrisQuality, name: str) -> float:
    value = q.measure(name).value
    assert value is not None, f"{name} was not measured"
    return value


@pytest.mark.parametrize("name", list(GEOMETRIES))
def test_segmentation_and_measures_follow_the_truth(name: str) -> None:
    eye = _eye(21, **GEOMETRIES[name])
    t = eye.truth
    q = assess_iris(eye.image)
    assert q.segmentation is not None, name
    (px, py, pr), (ix, iy, ir) = q.segmentation.pupil, q.segmentation.iris
    assert abs(pr - t.pupil_radius) <= RADIUS_TOL_PX and abs(ir - t.iris_radius) <= RADIUS_TOL_PX
    assert math.hypot(px - t.pupil_center[0], py - t.pupil_center[1]) <= CENTRE_TOL_PX
    assert math.hypot(ix - t.iris_center[0], iy - t.iris_center[1]) <= CENTRE_TOL_PX
    assert abs(_value(q, "pupil_iris_ratio") - t.pupil_to_iris_ratio) <= RATIO_TOL
    assert abs(_value(q, "iris_pupil_concentricity") - t.concentricity) <= CONCENTRICITY_TOL
    assert abs(_value(q, "usable_iris_area") - 100.0 * t.usable_iris_fraction) <= USABLE_AREA_TOL
    assert abs(_value(q, "iris_sclera_contrast") - t.iso_iris_sclera_contrast) <= CONTRAST_TOL
    assert abs(_value(q, "iris_pupil_contrast") - t.iso_iris_pupil_contrast) <= CONTRAST_TOL
    assert abs(_value(q, "margin_adequacy") - t.margin_adequacy) <= MARGIN_TOL


def test_a_good_eye_passes_every_measure_and_reports_them_in_order() -> None:
    q = assess_iris(_eye(3).image)
    assert q.passed and q.failed == []
    assert tuple(m.name for m in q.measures) == MEASURE_NAMES
    for m in q.measures:
        assert isinstance(m.label, Text) and m.label.id and m.label.en
        assert m.limit and m.value is not None
    assert q.measure("pupil_iris_ratio").limit == "20–70"
    assert q.measure("iris_pupil_concentricity").limit == "≥ 90"
    with pytest.raises(KeyError):
        q.measure("shoe size")


def test_sharpness_falls_monotonically_with_blur() -> None:
    sigmas = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
    values = [_value(assess_iris(_eye(5, blur_sigma=s).image), "sharpness") for s in sigmas]
    assert all(a > b for a, b in zip(values, values[1:], strict=False)), values
    assert values[0] >= SHARPNESS_MIN and values[-1] < SHARPNESS_MIN
    blurred = assess_iris(_eye(5, blur_sigma=3.0).image)
    assert not blurred.passed and [m.name for m in blurred.failed] == ["sharpness"]


def test_iris_sclera_contrast_follows_the_generators_contrast() -> None:
    scleras = (118.0, 130.0, 150.0, 175.0, 200.0, 230.0)
    values = []
    for sclera in scleras:
        eye = _eye(7, sclera_grey=sclera)
        measured = _value(assess_iris(eye.image), "iris_sclera_contrast")
        assert abs(measured - eye.truth.iso_iris_sclera_contrast) <= CONTRAST_TOL, sclera
        values.append(measured)
    assert values == sorted(values)
    dull = assess_iris(_eye(7, sclera_grey=112.0).image).measure("iris_sclera_contrast")
    assert not dull.passed


def test_iris_pupil_contrast_follows_the_generators_contrast() -> None:
    pupils = (10.0, 25.0, 45.0, 60.0, 75.0)
    values = []
    for pupil in pupils:
        eye = _eye(8, pupil_grey=pupil)
        measured = _value(assess_iris(eye.image), "iris_pupil_contrast")
        assert abs(measured - eye.truth.iso_iris_pupil_contrast) <= CONTRAST_TOL, pupil
        values.append(measured)
    assert values == sorted(values, reverse=True)
    grey_pupil = assess_iris(_eye(8, pupil_grey=75.0).image).measure("iris_pupil_contrast")
    assert not grey_pupil.passed


def test_gaze_off_axis_is_detected() -> None:
    straight = _value(assess_iris(_eye(9).image), "gaze")
    assert straight <= GAZE_STRAIGHT_MAX_DEG
    for deg in (10.0, 20.0, -25.0, 30.0):
        q = assess_iris(_eye(9, gaze_deg=deg).image)
        gaze = q.measure("gaze")
        assert gaze.value is not None and abs(gaze.value - abs(deg)) <= GAZE_TOL_DEG, deg
        assert gaze.passed == (abs(deg) <= GAZE_MAX_DEG)


def test_a_closed_eye_fails_usable_area() -> None:
    closed = assess_iris(irisgen.closed_eye(10).image)
    assert not closed.passed and not closed.measure("usable_iris_area").passed
    assert closed.segmentation is None
    assert all(not m.passed for m in closed.measures)
    nearly = _eye(10, opening=0.4)
    q = assess_iris(nearly.image)
    area = q.measure("usable_iris_area")
    assert not area.passed and area.value is not None
    assert abs(area.value - 100.0 * nearly.truth.usable_iris_fraction) <= USABLE_AREA_TOL


def test_ratio_concentricity_and_margin_fail_outside_their_limits() -> None:
    constricted = assess_iris(_eye(11, pupil_ratio=0.16).image).measure("pupil_iris_ratio")
    dilated = assess_iris(_eye(11, pupil_ratio=0.75).image).measure("pupil_iris_ratio")
    assert not constricted.passed and constricted.value is not None and constricted.value < 20
    assert not dilated.passed and dilated.value is not None and dilated.value > 70
    eye = _eye(11, pupil_offset=(18.0, 0.0))
    off = assess_iris(eye.image).measure("iris_pupil_concentricity")
    assert not off.passed and off.value is not None
    assert abs(off.value - eye.truth.concentricity) <= CONCENTRICITY_TOL
    edge = _eye(11, iris_offset=(-180.0, 0.0))
    margin = assess_iris(edge.image).measure("margin_adequacy")
    assert not margin.passed and margin.value is not None
    assert abs(margin.value - edge.truth.margin_adequacy) <= MARGIN_TOL


def test_a_larger_frame_is_analysed_downscaled_and_reported_in_its_own_pixels() -> None:
    eye = _eye(12)
    big = cv2.resize(eye.image, (1280, 960), interpolation=cv2.INTER_CUBIC)
    q = assess_iris(big)
    assert q.segmentation is not None
    assert abs(q.segmentation.iris[2] - 2 * eye.truth.iris_radius) <= 2 * RADIUS_TOL_PX
    assert abs(q.segmentation.pupil[0] - 2 * eye.truth.pupil_center[0]) <= 2 * CENTRE_TOL_PX


def _hostile() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(99)
    disc = np.full((480, 640), 150, np.uint8)
    cv2.circle(disc, (320, 240), 50, 20, -1)
    corner = np.full((480, 640), 150, np.uint8)
    cv2.circle(corner, (4, 4), 60, 15, -1)
    return {
        "all black": np.zeros((480, 640), np.uint8),
        "all white": np.full((480, 640), 255, np.uint8),
        "noise": rng.integers(0, 256, (480, 640), dtype=np.uint8),
        "checkerboard": (np.indices((480, 640)).sum(axis=0) % 2 * 255).astype(np.uint8),
        "stripes": (np.indices((480, 640))[1] // 8 % 2 * 200).astype(np.uint8),
        "half and half": np.hstack([np.zeros((480, 320), np.uint8), np.full((480, 320), 255, np.uint8)]),
        "a dark disc alone": disc,
        "a disc in the corner": corner,
        "tiny": np.zeros((5, 7), np.uint8),
        "empty": np.zeros((0, 0), np.uint8),
        "one row": np.zeros((1, 4000), np.uint8),
        "huge": np.zeros((5000, 4200), np.uint8),
        "large noise": rng.integers(0, 256, (1500, 2000), dtype=np.uint8),
        "strided view": rng.integers(0, 256, (960, 1280), dtype=np.uint8)[::2, ::2],
    }


@pytest.mark.parametrize("name", list(_hostile()))
def test_odd_images_fail_without_raising(name: str) -> None:
    q = assess_iris(_hostile()[name])
    assert not q.passed
    assert tuple(m.name for m in q.measures) == MEASURE_NAMES


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((480, 640), np.float32),
        np.zeros((480, 640, 3), np.uint8),
        np.zeros((480, 640), np.uint16),
        np.zeros(640, np.uint8),
    ],
    ids=["float", "colour", "16-bit", "1-D"],
)
def test_a_wrong_array_type_is_a_value_error(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        assess_iris(bad)


def test_gaze_is_not_guessed_from_a_pupil_half_hidden_by_the_lid() -> None:
    eye = _eye(13, upper_opening=0.35)  # the lashes reach over the top of the pupil
    q = assess_iris(eye.image)
    assert q.segmentation is not None
    assert q.measure("gaze").value is None and not q.measure("gaze").passed
    assert not q.measure("usable_iris_area").passed
    assert abs(q.segmentation.pupil[2] - eye.truth.pupil_radius) <= RADIUS_TOL_PX
