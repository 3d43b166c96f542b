"""The wire's codes and states are named once (wire.codes, wire.states) and both sides
handle every one of them: the centre answers each code with its status, the station
says each in both languages, and the centre raises no code the contract does not list."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import central
import wire
from central.errors import STATUS, CentralError
from station.sync.errors import AMBIGUOUS, MESSAGES, PERMANENT, STATION, TRANSIENT, SyncError
from wire.codes import CODES, COMMIT_OUT_OF_ORDER, Outcome
from wire.states import Downstream, LedgerState

CENTRAL = Path(central.__file__).parent
WIRE = Path(wire.__file__).parent
CODE_SHAPE = re.compile(r"(?:auth|record|upload|commit|request|server)\.[a-z_]+")


def _central_code_literals() -> dict[str, list[str]]:
    """Every string literal shaped like a wire code in the code the centre runs, with
    where it is: central/*.py and wire/*.py (wire.auth's AuthFailure codes become the
    centre's answers), but not wire/codes.py, the list under test.

    Parsed, not grepped: a code built any way the centre writes one (CentralError("..."),
    a constant, an inline batch refusal's "error": "...", a header value) is a string
    constant somewhere in that source."""
    found: dict[str, list[str]] = {}
    sources = [*CENTRAL.glob("*.py"), *(p for p in WIRE.glob("*.py") if p.name != "codes.py")]
    for path in sorted(sources):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE_SHAPE.fullmatch(node.value):
                found.setdefault(node.value, []).append(f"{path.name}:{node.lineno}")
    return found


def test_every_code_the_centre_can_raise_is_in_the_contract() -> None:
    found = _central_code_literals()
    assert len(found) >= 20, "the scan found too few codes: is it still reading central's source?"
    unlisted = {code: where for code, where in found.items() if code not in CODES and code != COMMIT_OUT_OF_ORDER}
    assert not unlisted, f"codes raised by the centre but missing from wire.codes: {unlisted}"


def test_every_contract_code_is_one_the_centre_raises() -> None:
    """No dead codes: each listed code is written somewhere in central/ (the scan above
    would otherwise prove nothing about a code that was renamed on one side)."""
    found = _central_code_literals()
    assert sorted(set(CODES) - set(found)) == []


def test_the_centre_answers_every_code_with_its_contract_status() -> None:
    assert STATUS == {code: c.status for code, c in CODES.items()}
    for code, c in CODES.items():
        error = CentralError(code, "detail")
        assert error.status == c.status and 400 <= c.status <= 599
        assert error.body()["error"] == code


@pytest.mark.parametrize("code", sorted(CODES))
def test_the_station_says_every_code_in_both_languages(code: str) -> None:
    outcome, message, _remedy = MESSAGES[code]
    assert outcome == CODES[code].outcome
    assert message.id.strip() and message.en.strip() and message.id != message.en
    error = SyncError(code, "a detail")
    assert error.outcome == CODES[code].outcome
    assert error.message.id.startswith(message.id) and "a detail" in error.message.en


def test_the_station_outcomes_are_the_contracts() -> None:
    """station.sync.errors' outcome names are wire.codes.Outcome, so a comparison with
    the old strings ("permanent", ...) still holds."""
    assert (TRANSIENT, AMBIGUOUS, PERMANENT, STATION) == tuple(Outcome)
    assert PERMANENT == "permanent" and STATION == "station"
    # The station's own codes are all sync.*; the wire's are never redefined there.
    assert all(code.startswith("sync.") for code in set(MESSAGES) - set(CODES))


def test_the_wire_states_are_the_strings_on_the_wire() -> None:
    """StrEnum members are their strings: stored rows and JSON answers are unchanged."""
    assert [s.value for s in LedgerState] == ["registered", "partial", "received", "rejected", "unknown", "withdrawn"]
    assert [s.value for s in Downstream] == ["PENDING", "PRINT_READY", "DUPLICATE"]
    import json

    assert json.dumps({"state": LedgerState.RECEIVED}) == '{"state": "received"}'
    assert f"{Downstream.PRINT_READY}" == "PRINT_READY" and LedgerState.REJECTED == "rejected"
