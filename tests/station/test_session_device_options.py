"""A session's own device parameter (the training backdrop) reaches the driver without
changing the station's configuration, in memory or on disk."""

from __future__ import annotations

import pytest

from common.text import Text
from devices.base import DeviceError, DeviceKind
from station.config import StationConfig
from station.device_manager import DeviceManager
from station.devices import training_camera_options, with_session_options
from station.events import Notifier


def demo_config() -> StationConfig:
    config = StationConfig(demo=True)
    config.camera.driver = "opencv-sim"
    return config


def test_session_options_are_laid_over_a_copy_and_the_configuration_is_untouched():
    config = demo_config()
    config.camera.options["fps"] = 15
    seen = with_session_options(config, DeviceKind.CAMERA, {"backdrop": "red"})
    assert seen.camera.options == {"fps": 15, "backdrop": "red"}
    assert config.camera.options == {"fps": 15}
    assert seen.fingerprint is config.fingerprint and with_session_options(config, DeviceKind.CAMERA, {}) is config


def test_the_training_backdrop_only_on_a_demo_simulated_camera_without_a_trainers_choice():
    config = demo_config()
    assert training_camera_options(config, 1990) in ({"backdrop": "red"}, {"backdrop": "blue"})
    assert training_camera_options(config, 1990) != training_camera_options(config, 1991)  # the parity rule
    config.camera.options["fault"] = "wrong_backdrop"
    assert training_camera_options(config, 1990) == {}
    real = StationConfig(demo=False)
    real.camera.driver = "opencv-sim"
    assert training_camera_options(real, 1990) == {}


def test_the_device_manager_opens_with_the_sessions_options_and_says_when_they_changed():
    config = demo_config()
    opened: list[StationConfig] = []

    def opener(kind, cfg):  # type: ignore[no-untyped-def]
        opened.append(cfg)
        raise DeviceError(Text("tidak ada", "no device in this test"), code="camera.test", kind=kind)

    manager = DeviceManager(lambda: config, Notifier(), opener=opener)
    assert manager.set_session_options(DeviceKind.CAMERA, {"backdrop": "red"}) is True
    assert manager.set_session_options(DeviceKind.CAMERA, {"backdrop": "red"}) is False  # no reopen needed
    with pytest.raises(DeviceError):
        manager.ensure(DeviceKind.CAMERA)
    assert opened[-1].camera.options["backdrop"] == "red"
    assert "backdrop" not in config.camera.options
    with pytest.raises(DeviceError):
        manager.ensure(DeviceKind.FINGERPRINT)
    assert "backdrop" not in opened[-1].fingerprint.options
