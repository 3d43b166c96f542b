"""Login, lockout after repeated failures, roles, and the audit trail of each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from common.errors import AuthError, ValidationError
from station.auth import Role
from store.models import AuditEvent, Operator
from store.types import utcnow
from tests.conftest import SUPERVISOR_PASSWORD


def actions(core) -> list[str]:  # type: ignore[no-untyped-def]
    with core.db.read() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_login_with_the_right_password(core):
    user = core.auth.login("spv", SUPERVISOR_PASSWORD)
    assert user.role == Role.SUPERVISOR
    assert actions(core)[-1] == "login"


def test_password_is_stored_as_argon2id(core):
    with core.db.read() as s:
        h = s.scalar(select(Operator.password_hash).where(Operator.username == "spv"))
    assert h.startswith("$argon2id$") and SUPERVISOR_PASSWORD not in h


def test_five_failures_lock_the_account_and_the_message_says_until_when(core):
    core.auth.add_operator("ani", "Ani Operator", Role.OPERATOR, "kata-sandi-1", actor="spv")
    for _ in range(4):
        with pytest.raises(AuthError) as info:
            core.auth.login("ani", "wrong-password")
        assert info.value.code == "auth.bad_credentials"
    with pytest.raises(AuthError) as info:
        core.auth.login("ani", "wrong-password")
    assert info.value.code == "auth.locked"
    assert "sampai" in info.value.message.id and "until" in info.value.message.en
    # Even the right password is refused while locked.
    with pytest.raises(AuthError) as info:
        core.auth.login("ani", "kata-sandi-1")
    assert info.value.code == "auth.locked"
    assert actions(core)[-2:] == ["login_failed", "login_refused_locked"]


def test_lock_expires_after_the_configured_time(core):
    core.auth.add_operator("ani", "Ani Operator", Role.OPERATOR, "kata-sandi-1", actor="spv")
    for _ in range(5):
        with pytest.raises(AuthError):
            core.auth.login("ani", "nope-nope")
    with core.db.write() as s:
        s.execute(
            update(Operator).where(Operator.username == "ani").values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert core.auth.login("ani", "kata-sandi-1").username == "ani"


def test_lock_minutes_come_from_the_configuration(core):
    core.auth.security.lock_minutes = 60
    core.auth.add_operator("ani", "Ani Operator", Role.OPERATOR, "kata-sandi-1", actor="spv")
    for _ in range(5):
        with pytest.raises(AuthError):
            core.auth.login("ani", "nope-nope")
    rec = core.auth.operators.get("ani")
    assert timedelta(minutes=59) < rec.locked_until - utcnow() <= timedelta(minutes=60)


def test_supervisor_unlock(core):
    core.auth.add_operator("ani", "Ani Operator", Role.OPERATOR, "kata-sandi-1", actor="spv")
    core.auth.set_lock("ani", True, actor="spv")
    with pytest.raises(AuthError):
        core.auth.login("ani", "kata-sandi-1")
    core.auth.set_lock("ani", False, actor="spv")
    assert core.auth.login("ani", "kata-sandi-1").role == Role.OPERATOR


def test_unknown_user_gets_the_same_message_as_a_wrong_password(core):
    with pytest.raises(AuthError) as a:
        core.auth.login("nobody", "whatever1")
    with pytest.raises(AuthError) as b:
        core.auth.login("spv", "whatever1")
    assert a.value.message == b.value.message


def test_verify_role_refuses_an_operator_as_approver(core):
    core.auth.add_operator("ani", "Ani Operator", Role.OPERATOR, "kata-sandi-1", actor="spv")
    with pytest.raises(AuthError) as info:
        core.auth.verify_role("ani", "kata-sandi-1", Role.SUPERVISOR)
    assert info.value.code == "auth.role"
    assert core.auth.verify_role("spv", SUPERVISOR_PASSWORD, Role.SUPERVISOR).username == "spv"


@pytest.mark.parametrize(("username", "password"), [("A", "longenough1"), ("ok_name", "short")])
def test_bad_usernames_and_short_passwords_are_refused(core, username, password):
    with pytest.raises(ValidationError):
        core.auth.add_operator(username, "Nama", Role.OPERATOR, password, actor="spv")


def test_duplicate_username_refused(core):
    with pytest.raises(ValidationError):
        core.auth.add_operator("spv", "Other", Role.OPERATOR, "kata-sandi-1", actor="spv")
