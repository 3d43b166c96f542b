"""Reading `DeviceSettings.options` for the camera drivers.

Options come from the station's TOML configuration or the command line, so numbers may
arrive as strings and sizes as "640x480" or [640, 480]. A bad value is a
``camera.config`` DeviceError naming the option, never a bare ValueError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devices.camera import errors


def _bad(name: str, value: object, port: str | None) -> errors.DeviceError:
    return errors.camera_error(errors.CONFIG, port, detail=f"{name}={value!r}")


def size_option(options: Mapping[str, Any], name: str, port: str | None) -> tuple[int, int] | None:
    value = options.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, str):
            width, height = (int(v) for v in value.lower().split("x"))
        else:
            width, height = (int(v) for v in value)
    except (TypeError, ValueError):
        raise _bad(name, value, port) from None
    if width <= 0 or height <= 0:
        raise _bad(name, value, port)
    return width, height


def float_option(options: Mapping[str, Any], name: str, default: float, port: str | None) -> float:
    value = options.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad(name, value, port) from None
    if number <= 0:
        raise _bad(name, value, port)
    return number


def int_option(options: Mapping[str, Any], name: str, default: int | None, port: str | None) -> int | None:
    value = options.get(name, default)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(name, value, port) from None


def str_option(options: Mapping[str, Any], name: str, allowed: tuple[str, ...], port: str | None) -> str | None:
    value = options.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise _bad(name, value, port)
    return str(value)
