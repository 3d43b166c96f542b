"""Canonical JSON: the one byte form that is hashed and signed."""

from __future__ import annotations

import json
from typing import Any


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
