"""Canonical forms both sides agree on: the JSON that is hashed and signed, record ids,
and JSON parsing with bounds (hostile input never reaches `json.loads` unmeasured)."""

from __future__ import annotations

import json
import re
import uuid as uuidlib
from typing import Any

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
MAX_DEPTH = 32


class JsonRefused(Exception):
    """JSON that is refused before or while parsing; `too_large` tells 413 from 400."""

    def __init__(self, detail: str, *, too_large: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.too_large = too_large


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def canonical_uuid(value: str) -> str:
    """The one spelling of a record id: lower-case 8-4-4-4-12. An upper-cased copy of a
    known id is the same record, never a new one. Raises ValueError for anything else."""
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise ValueError("not a UUID in 8-4-4-4-12 hex form")
    return str(uuidlib.UUID(value))


def nesting_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in JSON text, without parsing it (strings,
    where brackets do not count, are skipped). Linear and non-recursive."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_json(data: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` with a size and a nesting cap checked first, so a 100,000-deep
    document is a clear refusal and never a RecursionError."""
    if len(data) > max_bytes:
        raise JsonRefused(f"the JSON is {len(data)} bytes; at most {max_bytes}", too_large=True)
    if nesting_depth(data) > max_depth:
        raise JsonRefused(f"the JSON nests deeper than {max_depth} levels")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JsonRefused("not valid JSON") from None
