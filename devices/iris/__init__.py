"""The station's own iris checks and the record it stores, independent of any device.

* `quality.assess_iris(image) -> IrisQuality`: the ISO/IEC 29794-6 components with
  their limits, fast enough for a live preview, on `segment`'s pupil and limbus;
* `iso19794_6.crop_k3`, `encode_iris_record`, `decode_iris_record`: the ISO/IEC
  19794-6:2011 "cropped" (K3) record that is stored and sent, within
  `IRIS_RECORD_MAX_BYTES`.

Importing this package imports neither cv2 nor Pillow; the modules do.
"""
