"""A record's state is one type with its moves checked in one place (store.states):
an illegal move is refused before anything is written, and every move the code makes
is in the table."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

import station
import store
from station.enroll_synthetic import enroll_synthetic
from store.models import StatusEvent
from store.outbox import Outbox
from store.states import (
    AT_CENTRE,
    PENDING,
    TRANSITIONS,
    UNCONFIRMED,
    IllegalTransition,
    RecordState,
    check_transition,
)

S = RecordState

# The moves the station's flows make, named by flow (store.states' docstring): the
# table must allow each, and tests elsewhere run the flows themselves.
FLOWS: dict[str, list[tuple[RecordState, RecordState]]] = {
    "seal": [(S.DRAFT, S.SEALED)],
    "register, upload, commit": [
        (S.SEALED, S.REGISTERED),
        (S.REGISTERED, S.UPLOADING),
        (S.UPLOADING, S.UPLOADED),
        (S.UPLOADED, S.RECEIVED),
    ],
    "registered ahead, sent behind the record before": [(S.REGISTERED, S.UPLOADING)],
    "resumed after an ambiguous end": [(S.UPLOADED, S.UPLOADING), (S.WAITING_RETRY, S.REGISTERED)],
    "back off": [(state, S.WAITING_RETRY) for state in PENDING],
    "the centre already decided (register answers a verdict)": [
        *((state, S.RECEIVED) for state in PENDING),
        *((state, S.REJECTED) for state in PENDING),
    ],
    "downstream": [(S.RECEIVED, S.PRINT_READY), (S.RECEIVED, S.DUPLICATE)],
    "export, then reconcile": [*((state, S.EXPORTED) for state in PENDING), (S.EXPORTED, S.RECEIVED)],
    "reconcile's signed verdict over an older version's unsigned mark": [
        *((state, S.REJECTED) for state in AT_CENTRE),
        (S.PRINT_READY, S.DUPLICATE),
    ],
    "requeue": [(S.REJECTED, S.SEALED)],
    "end-of-day approval: seal, approve, reject and withdraw": [
        (S.DRAFT, S.PENDING_APPROVAL),
        (S.PENDING_APPROVAL, S.SEALED),
        (S.PENDING_APPROVAL, S.WITHDRAWING),
        (S.WITHDRAWING, S.WITHDRAWN),
    ],
}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_every_move_of_the_flows_is_allowed(flow: str) -> None:
    for old, new in FLOWS[flow]:
        assert check_transition(old, new) is new


def test_every_state_has_its_moves_and_the_groups_are_states() -> None:
    assert set(TRANSITIONS) == set(RecordState)
    assert all(isinstance(s, RecordState) for group in (PENDING, AT_CENTRE, UNCONFIRMED) for s in group)
    # Nothing goes back to a draft; only a requeue or an approval makes a record SEALED.
    assert all(S.DRAFT not in targets for targets in TRANSITIONS.values())
    assert {old for old, targets in TRANSITIONS.items() if S.SEALED in targets} == {
        S.DRAFT,
        S.REJECTED,
        S.PENDING_APPROVAL,
    }
    # A withdrawn record is final, and only a supervisor's rejection starts a withdrawal.
    assert TRANSITIONS[S.WITHDRAWN] == frozenset()
    assert {old for old, targets in TRANSITIONS.items() if S.WITHDRAWING in targets} == {S.PENDING_APPROVAL}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.SEALED, S.PRINT_READY),  # downstream without a receipt
        (S.REJECTED, S.RECEIVED),  # a quarantined record needs a requeue first
        (S.RECEIVED, S.SEALED),
        (S.EXPORTED, S.UPLOADING),
        (S.SEALED, S.DRAFT),
        (S.SEALED, S.SEALED),
        ("SEALED", "SENT"),  # not a state at all
        ("NONSENSE", "SEALED"),
    ],
)
def test_an_illegal_move_is_refused_by_name(old: str, new: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition(old, new)
    assert refused.value.code == "state.illegal_transition"
    assert new in refused.value.message.en and new in refused.value.message.id


def test_the_outbox_refuses_an_illegal_move_and_writes_nothing(core, supervisor) -> None:  # type: ignore[no-untyped-def]
    report = enroll_synthetic(core, 1, seed=5, operator=supervisor, approver=supervisor, batch=1)
    record = core.enrollments.find_by_reg(report.first_reg)[0]
    outbox = Outbox(core.db)

    def timeline() -> int:
        with core.db.read() as session:
            return int(session.execute(select(func.count()).select_from(StatusEvent)).scalar_one())

    before = timeline()
    with pytest.raises(IllegalTransition):
        outbox.transition(record.uuid, S.PRINT_READY, "no receipt", downstream="PRINT_READY")
    got = outbox.get(record.uuid)
    assert got is not None and got.state == S.SEALED and timeline() == before
    outbox.transition(record.uuid, S.REJECTED, "commit.rejected", reject_reason="packet.signature")
    outbox.requeue(record.uuid, actor=supervisor.username)  # REJECTED -> SEALED is the requeue's move
    got = outbox.get(record.uuid)
    assert got is not None and got.state == "SEALED" and timeline() == before + 2


def _state_arguments(root: Path) -> list[tuple[str, ast.expr]]:
    """The state argument of every call that moves a record in `root`'s code:
    Outbox.transition(uuid, STATE, ...) and the worker's _move(uuid, STATE, ...)."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("transition", "_move")
                and len(node.args) >= 2
            ):
                out.append((f"{path.relative_to(root.parent)}:{node.lineno}", node.args[1]))
    return out


def test_the_code_moves_records_only_to_named_states() -> None:
    """No loose strings: every move in station/ and store/ names a RecordState (by a
    constant, or a value the table checks at run time), so a typo cannot make a state."""
    calls = _state_arguments(Path(station.__file__).parent) + _state_arguments(Path(store.__file__).parent)
    assert len(calls) >= 8, "the scan found too few moves: is it still reading the code?"
    loose = [where for where, arg in calls if isinstance(arg, ast.Constant)]
    assert loose == []
    names = {arg.id for _, arg in calls if isinstance(arg, ast.Name)}
    assert names <= {s.name for s in RecordState} | {"state", "downstream"}, names
