"""Login, lockout after repeated failures, roles, sessions, the first-login password
change, uniform refusals, and the audit trail of each."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from common.errors import AuthError, ValidationError
from station.admin import Admin, AuditFilter
from station.auth import Authenticated, Role, User, usable
from store.models import AuditEvent, Operator
from store.types import utcnow
from tests.conftest import SUPERVISOR_PASSWORD

PW = "kata-sandi-1"


def actions(core) -> list[str]:  # type: ignore[no-untyped-def]
    with core.db.read() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def spv(core) -> Authenticated:  # type: ignore[no-untyped-def]
    return core.auth.login("spv", SUPERVISOR_PASSWORD)


def add(core, username: str = "ani", role: Role = Role.OPERATOR, password: str = PW, *, ready: bool = True) -> None:  # type: ignore[no-untyped-def]
    """An account a supervisor added; `ready` = its user already chose their password."""
    core.auth.add_operator(username, "Ani Operator", role, password, by=spv(core))
    if ready:
        with core.db.write() as s:
            s.execute(update(Operator).where(Operator.username == username).values(must_change_password=False))


def test_login_with_the_right_password_gives_an_authenticated_session(core):
    user = core.auth.login("spv", SUPERVISOR_PASSWORD)
    assert isinstance(user, Authenticated) and user.role == Role.SUPERVISOR
    assert usable(user, Role.SUPERVISOR) and not usable(user, Role.OPERATOR)
    assert actions(core)[-1] == "login"


def test_a_session_cannot_be_made_from_a_name(core):
    with pytest.raises(TypeError):
        Authenticated("spv", "Supervisor Uji", Role.SUPERVISOR, object())  # type: ignore[arg-type]
    plain = User("spv", "Supervisor Uji", Role.SUPERVISOR)
    with pytest.raises(AuthError) as info:
        core.auth.require(plain, Role.SUPERVISOR)
    assert info.value.code == "auth.no_session"
    with pytest.raises(AuthError):
        core.auth.add_operator("ani", "Ani", Role.OPERATOR, PW, by=plain)
    assert core.auth.operators.get("ani") is None


def test_a_locked_or_ended_session_may_do_nothing_until_unlocked(core):
    session = spv(core)
    session.lock()
    assert not usable(session)
    with pytest.raises(AuthError) as info:
        core.auth.add_operator("ani", "Ani", Role.OPERATOR, PW, by=session)
    assert info.value.code == "auth.session_locked"
    with pytest.raises(AuthError):
        core.auth.unlock(session, "salah-salah-1")
    assert session.locked
    core.auth.unlock(session, SUPERVISOR_PASSWORD)
    core.auth.add_operator("ani", "Ani", Role.OPERATOR, PW, by=session)
    core.auth.logout(session)
    with pytest.raises(AuthError) as info:
        core.auth.set_lock("ani", True, by=session)
    assert info.value.code == "auth.no_session"


def test_an_operator_session_may_not_administer(core):
    add(core)
    ani = core.auth.login("ani", PW)
    for change in (
        lambda: core.auth.add_operator("budi", "Budi", Role.OPERATOR, PW, by=ani),
        lambda: core.auth.set_lock("spv", True, by=ani),
        lambda: core.auth.set_active("spv", False, by=ani),
        lambda: core.auth.set_role("ani", Role.SUPERVISOR, by=ani),
        lambda: core.auth.reset_password("spv", "baru-sekali-1", by=ani),
    ):
        with pytest.raises(AuthError) as info:
            change()
        assert info.value.code == "auth.role"
    assert core.auth.login("spv", SUPERVISOR_PASSWORD).role == Role.SUPERVISOR


@pytest.mark.real_password_hashing
def test_password_is_stored_as_argon2id(core):
    with core.db.read() as s:
        h = s.scalar(select(Operator.password_hash).where(Operator.username == "spv"))
    assert h.startswith("$argon2id$") and SUPERVISOR_PASSWORD not in h
    assert not PasswordHasher().check_needs_rehash(h)  # the library's production settings, not the tests' cheap ones


def test_five_failures_lock_the_account_without_saying_so_at_the_login(core):
    add(core)
    for _ in range(5):
        with pytest.raises(AuthError) as info:
            core.auth.login("ani", "wrong-password")
        assert info.value.code == "auth.bad_credentials"
    assert core.auth.operators.get("ani").locked_until is not None
    # Even the right password is refused while locked, with the same answer.
    with pytest.raises(AuthError) as info:
        core.auth.login("ani", PW)
    assert info.value.code == "auth.bad_credentials"
    assert "sampai" not in info.value.message.id and "until" not in info.value.message.en
    assert actions(core)[-2:] == ["login_failed", "login_refused_locked"]


def test_lock_expires_after_the_configured_time(core):
    add(core)
    for _ in range(5):
        with pytest.raises(AuthError):
            core.auth.login("ani", "nope-nope")
    with core.db.write() as s:
        s.execute(
            update(Operator).where(Operator.username == "ani").values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert core.auth.login("ani", PW).username == "ani"


def test_lock_minutes_come_from_the_configuration(core):
    core.auth.security.lock_minutes = 60
    add(core)
    for _ in range(5):
        with pytest.raises(AuthError):
            core.auth.login("ani", "nope-nope")
    rec = core.auth.operators.get("ani")
    assert timedelta(minutes=59) < rec.locked_until - utcnow() <= timedelta(minutes=60)


def test_supervisor_unlock(core):
    add(core)
    core.auth.set_lock("ani", True, by=spv(core))
    with pytest.raises(AuthError):
        core.auth.login("ani", PW)
    core.auth.set_lock("ani", False, by=spv(core))
    assert core.auth.login("ani", PW).role == Role.OPERATOR


def test_a_session_of_an_account_locked_meanwhile_may_not_act(core):
    add(core, "kepala", Role.SUPERVISOR)
    kepala = core.auth.login("kepala", PW)
    core.auth.set_lock("kepala", True, by=spv(core))
    with pytest.raises(AuthError) as info:
        core.auth.set_lock("spv", True, by=kepala)
    assert info.value.code == "auth.role"


@pytest.mark.real_password_hashing
def test_every_refused_login_has_the_same_answer_and_a_comparable_time(core):
    """Unknown name, deactivated, locked, wrong password: one message, one argon2
    verify each; medians of a few tries within 3x of each other (not absolute times)."""
    core.auth.security.max_failed_logins = 1000  # the wrong-password tries must not lock
    add(core, "aktif")
    add(core, "mati")
    add(core, "kunci")
    session = spv(core)
    core.auth.set_active("mati", False, by=session)
    core.auth.set_lock("kunci", True, by=session)
    cases = {
        "unknown": ("tidak-ada", PW),
        "wrong": ("aktif", "salah-salah-1"),
        "inactive": ("mati", PW),
        "locked": ("kunci", PW),
    }
    messages = set()
    medians = {}
    for name, (username, password) in cases.items():
        times = []
        for _ in range(5):
            start = time.perf_counter()
            with pytest.raises(AuthError) as info:
                core.auth.login(username, password)
            times.append(time.perf_counter() - start)
            messages.add((info.value.code, info.value.message))
        medians[name] = statistics.median(times)
    assert len(messages) == 1, messages
    fastest, slowest = min(medians.values()), max(medians.values())
    assert slowest < 3 * fastest, medians


def test_failed_logins_are_audited_with_the_account_tried_and_found_by_person(core):
    add(core)
    for username in ("ani", "ani", "hantu"):
        with pytest.raises(AuthError):
            core.auth.login(username, "salah-salah-1")
    with pytest.raises(AuthError):
        core.auth.login("x" * 5000 + "\x1b[2J", "salah-salah-1")
    admin = Admin(core, spv(core))
    view = admin.audit_view(AuditFilter(actor="ani"))
    assert [r.action for r in view.rows] == ["login_failed", "login_failed"]
    assert all(r.target == "ani" for r in view.rows)
    assert "ani" in view.actors and "hantu" in view.actors
    assert [r.action for r in admin.audit_view(AuditFilter(actor="hantu")).rows] == ["login_failed"]
    assert all(len(a) <= 40 and "\x1b" not in a for a in view.actors)


def test_verify_role_refuses_an_operator_as_approver(core):
    add(core)
    with pytest.raises(AuthError) as info:
        core.auth.verify_role("ani", PW, Role.SUPERVISOR)
    assert info.value.code == "auth.role"
    assert core.auth.verify_role("spv", SUPERVISOR_PASSWORD, Role.SUPERVISOR).username == "spv"


def test_an_added_account_must_change_its_password_at_first_login(core):
    add(core, ready=False)
    assert core.auth.operators.get("ani").must_change_password
    with pytest.raises(AuthError) as info:
        core.auth.login("ani", PW)
    assert info.value.code == "auth.must_change_password"
    with pytest.raises(AuthError) as info:
        core.auth.verify_role("ani", PW, Role.OPERATOR)
    assert info.value.code == "auth.must_change_password"
    with pytest.raises(ValidationError):
        core.auth.change_password_at_login("ani", PW, "baru-sekali-1", "baru-sekali-2")
    with pytest.raises(ValidationError):
        core.auth.change_password_at_login("ani", PW, PW, PW)  # the given one again
    with pytest.raises(AuthError) as info:
        core.auth.change_password_at_login("ani", "bukan-ini-1", "baru-sekali-1", "baru-sekali-1")
    assert info.value.code == "auth.bad_credentials"
    user = core.auth.change_password_at_login("ani", PW, "baru-sekali-1", "baru-sekali-1")
    assert isinstance(user, Authenticated) and user.username == "ani"
    assert not core.auth.operators.get("ani").must_change_password
    assert core.auth.login("ani", "baru-sekali-1").username == "ani"
    with pytest.raises(AuthError):
        core.auth.login("ani", PW)
    assert "password_changed" in actions(core)


def test_a_reset_password_must_be_changed_too_but_not_on_a_demo_station(core):
    add(core)
    core.auth.reset_password("ani", "sementara-1", by=spv(core))
    with pytest.raises(AuthError) as info:
        core.auth.login("ani", "sementara-1")
    assert info.value.code == "auth.must_change_password"
    core.config.demo = True
    add(core, "budi", ready=False)
    assert not core.auth.operators.get("budi").must_change_password
    assert core.auth.login("budi", PW).username == "budi"


def test_the_first_supervisor_chose_their_own_password(core):
    assert not core.auth.operators.get("spv").must_change_password
    with pytest.raises(AuthError):
        core.auth.create_first_supervisor("kedua", "Kedua", PW)


@pytest.mark.parametrize(("username", "password"), [("A", "longenough1"), ("ok_name", "short")])
def test_bad_usernames_and_short_passwords_are_refused(core, username, password):
    with pytest.raises(ValidationError):
        core.auth.add_operator(username, "Nama", Role.OPERATOR, password, by=spv(core))


def test_duplicate_username_refused(core):
    with pytest.raises(ValidationError):
        core.auth.add_operator("spv", "Other", Role.OPERATOR, PW, by=spv(core))
