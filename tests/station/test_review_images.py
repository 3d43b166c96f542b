"""The review's thumbnails (station.review.item_images): one per captured item, the irises'
drawn from their ISO/IEC 19794-6 K3 records; an item that cannot be drawn hides nothing else."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from common.biometrics import FACE, IRIS_LEFT, IRIS_RIGHT, SIGNATURE, FingerPosition
from station.review import IRIS_THUMB, item_images
from station.synthetic_biometrics import SyntheticBiometrics


def test_every_captured_item_has_a_thumbnail_and_the_irises_show_their_eye() -> None:
    bio = SyntheticBiometrics()
    items = [bio.face(7, 1990), bio.signature(7), bio.finger(7, FingerPosition(2))]
    items += [bio.iris(7, "right"), bio.iris(7, "left")]
    images = item_images(items)
    assert set(images) == {FACE, SIGNATURE, FingerPosition(2).item_kind, IRIS_RIGHT, IRIS_LEFT}
    for kind in (IRIS_RIGHT, IRIS_LEFT):
        eye = Image.open(io.BytesIO(images[kind]))
        assert eye.size == IRIS_THUMB
        lo, hi = eye.convert("L").getextrema()
        assert hi - lo > 100  # a dark pupil and a bright sclera: an eye, not a blank


def test_an_iris_record_that_does_not_decode_is_left_without_a_picture_and_hides_nothing() -> None:
    bio = SyntheticBiometrics()
    good = bio.iris(8, "right")
    broken = replace(bio.iris(8, "left"), payload=good.payload[:40])  # truncated: refused by the decoder
    images = item_images([good, broken, bio.face(8, 1990)])
    assert IRIS_LEFT not in images and {IRIS_RIGHT, FACE} <= set(images)
