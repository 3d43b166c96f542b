"""The supervisor's administration: accounts, the audit log query and chain, settings."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from common.errors import AuthError, ValidationError, ValidationErrors
from station.admin import Admin, AuditFilter
from station.auth import Role, User
from station.config import load_config
from store.models import AuditEvent, Operator
from tests.conftest import SUPERVISOR_PASSWORD

PW = "kata-sandi-1"


@pytest.fixture
def admin(core) -> Admin:  # type: ignore[no-untyped-def]
    return Admin(core, core.auth.login("spv", SUPERVISOR_PASSWORD))


def ready(core, username: str) -> None:  # type: ignore[no-untyped-def]
    """As if the account's user had already chosen their own password at first login."""
    with core.db.write() as s:
        s.execute(update(Operator).where(Operator.username == username).values(must_change_password=False))


def last_event(core) -> AuditEvent:  # type: ignore[no-untyped-def]
    with core.db.read() as s:
        event = s.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert event is not None
        s.expunge(event)
        return event


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.TECHNICIAN])
def test_only_a_supervisor_may_administer(core, admin, role) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani", role, PW, PW)
    ready(core, "ani")
    with pytest.raises(AuthError) as info:
        Admin(core, core.auth.login("ani", PW))
    assert info.value.code == "auth.role"
    for nobody in (None, User("spv", "Supervisor Uji", Role.SUPERVISOR)):  # no password: no session
        with pytest.raises(AuthError) as info:
            Admin(core, nobody)
        assert info.value.code == "auth.no_session"


def test_a_locked_session_may_neither_read_nor_change_anything(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani", Role.OPERATOR, PW, PW)
    admin.user.lock()
    n_accounts = len(core.auth.list())
    for call in (
        admin.operators,
        admin.audit_view,
        admin.settings,
        lambda: admin.add_operator("budi", "Budi", Role.OPERATOR, PW, PW),
        lambda: admin.set_active("ani", False),
        lambda: admin.unlock("ani"),
        lambda: admin.reset_password("ani", "baru-sekali-1", "baru-sekali-1"),
        lambda: admin.set_role("ani", Role.SUPERVISOR),
        lambda: admin.apply_settings({"security.idle_lock_minutes": 30}),
    ):
        with pytest.raises(AuthError) as info:
            call()
        assert info.value.code == "auth.session_locked"
    with pytest.raises(AuthError):
        Admin(core, admin.user)
    assert len(core.auth.list()) == n_accounts and core.config.security.idle_lock_minutes == 5
    core.auth.unlock(admin.user, SUPERVISOR_PASSWORD)
    admin.set_active("ani", False)


def test_a_supervisor_deactivated_elsewhere_may_no_longer_administer(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("kepala", "Kepala Loket", Role.SUPERVISOR, PW, PW)
    ready(core, "kepala")
    stale = Admin(core, core.auth.login("kepala", PW))
    admin.set_active("kepala", False)
    with pytest.raises(AuthError) as info:
        stale.unlock("spv")
    assert "no longer an active supervisor" in info.value.message.en


def test_add_operator_checks_both_passwords_and_audits_the_supervisor(core, admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW + "x")
    assert info.value.field == "confirm" and "tidak sama" in info.value.message.id
    with pytest.raises(ValidationError) as info:
        admin.add_operator("ani", "Ani Operator", Role.OPERATOR, "pendek", "pendek")
    assert info.value.field == "password"
    with pytest.raises(ValidationError):
        admin.add_operator("ani", "Ani Operator", Role.OPERATOR, "ani-12345", "ani-12345")
    assert [o.username for o in admin.operators()] == ["spv"]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    rows = {o.username: o for o in admin.operators()}
    assert rows["ani"].role == Role.OPERATOR and rows["ani"].active and rows["ani"].locked_until is None
    event = last_event(core)
    assert (event.action, event.actor, event.target) == ("operator_add", "spv", "ani")
    assert PW not in event.detail


def test_deactivate_refuses_login_and_reactivate_restores_it(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    ready(core, "ani")
    admin.set_active("ani", False)
    with pytest.raises(AuthError):
        core.auth.login("ani", PW)
    assert not {o.username: o for o in admin.operators()}["ani"].active
    admin.set_active("ani", True)
    assert core.auth.login("ani", PW).username == "ani"
    actions = [r.action for r in admin.audit_view(AuditFilter(actor="spv")).rows]
    assert actions[:2] == ["operator_reactivate", "operator_deactivate"]


def test_the_last_active_supervisor_is_neither_deactivated_nor_demoted(core, admin) -> None:  # type: ignore[no-untyped-def]
    for attempt in (lambda: admin.set_active("spv", False), lambda: admin.set_role("spv", Role.OPERATOR)):
        with pytest.raises(AuthError) as info:
            attempt()
        assert info.value.code == "auth.last_supervisor"
        assert "satu-satunya supervisor aktif" in info.value.message.id
    # A deactivated second supervisor does not count.
    admin.add_operator("kepala", "Kepala Loket", Role.SUPERVISOR, PW, PW)
    admin.set_active("kepala", False)
    with pytest.raises(AuthError):
        core.auth.set_active("spv", False, by=admin.user)
    rec = core.auth.operators.get("spv")
    assert rec is not None and rec.active and rec.role == "supervisor"


def test_nobody_deactivates_or_re_roles_themselves(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("kepala", "Kepala Loket", Role.SUPERVISOR, PW, PW)
    with pytest.raises(AuthError) as info:
        admin.set_active("spv", False)
    assert info.value.code == "auth.self"
    with pytest.raises(AuthError) as info:
        admin.set_role("spv", Role.OPERATOR)
    assert info.value.code == "auth.self"
    # Another supervisor may: then kepala is the last one.
    ready(core, "kepala")
    Admin(core, core.auth.login("kepala", PW)).set_role("spv", Role.TECHNICIAN)
    assert core.auth.login("spv", SUPERVISOR_PASSWORD).role == Role.TECHNICIAN


def test_change_role_is_audited_with_before_and_after(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    ready(core, "ani")
    admin.set_role("ani", Role.TECHNICIAN)
    assert core.auth.login("ani", PW).role == Role.TECHNICIAN
    row = admin.audit_view(AuditFilter(action="operator_role")).rows[0]
    assert (row.actor, row.target) == ("spv", "ani")
    assert row.detail == "operator → technician"


def test_reset_password_unlocks_and_the_new_one_logs_in(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    ready(core, "ani")
    for _ in range(5):
        with pytest.raises(AuthError):
            core.auth.login("ani", "salah-salah")
    assert {o.username: o for o in admin.operators()}["ani"].locked_until is not None
    with pytest.raises(ValidationError):
        admin.reset_password("ani", "baru-sekali-1", "baru-sekali-2")
    admin.reset_password("ani", "baru-sekali-1", "baru-sekali-1")
    with pytest.raises(AuthError):
        core.auth.login("ani", PW)
    with pytest.raises(AuthError) as info:  # the reset password works, but must be changed first
        core.auth.login("ani", "baru-sekali-1")
    assert info.value.code == "auth.must_change_password"
    assert core.auth.change_password_at_login("ani", "baru-sekali-1", "pilihan-saya-1", "pilihan-saya-1")
    assert core.auth.login("ani", "pilihan-saya-1").username == "ani"
    row = admin.audit_view(AuditFilter(action="password_reset")).rows[0]
    assert row.detail == "must_change_password=True, unlocked=True" and "baru" not in row.detail


def test_unlock_clears_a_lock(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    ready(core, "ani")
    core.auth.set_lock("ani", True, by=admin.user)
    assert {o.username: o for o in admin.operators()}["ani"].locked_until is not None
    admin.unlock("ani")
    assert {o.username: o for o in admin.operators()}["ani"].locked_until is None
    assert core.auth.login("ani", PW).username == "ani"


def test_audit_view_filters_newest_first_and_is_bounded(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    ready(core, "ani")
    for _ in range(3):
        core.auth.login("ani", PW)
    view = admin.audit_view()
    seqs = [r.seq for r in view.rows]
    assert seqs == sorted(seqs, reverse=True) and view.total == len(seqs)
    assert {"spv", "ani"} <= set(view.actors) and {"login", "operator_add", "station_init"} <= set(view.actions)
    assert view.chain.intact and view.chain.count == view.total
    by_ani = admin.audit_view(AuditFilter(actor="ani"))
    assert [r.action for r in by_ani.rows] == ["login"] * 3 and by_ani.total == 3
    assert admin.audit_view(AuditFilter(actor="ani", action="operator_add")).rows == []
    page = admin.audit_view(AuditFilter(limit=2))
    assert len(page.rows) == 2 and page.total == view.total and page.rows[0].seq == seqs[0]
    assert admin.audit_view(AuditFilter(offset=2, limit=2)).rows[0].seq == seqs[2]
    today = date.today()
    assert admin.audit_view(AuditFilter(date_from=today, date_to=today)).total == view.total
    assert admin.audit_view(AuditFilter(date_to=today - timedelta(days=1))).total == 0
    assert admin.audit_view(AuditFilter(date_from=today + timedelta(days=1))).total == 0


def test_a_tampered_row_is_named_by_its_sequence_number(core, admin) -> None:  # type: ignore[no-untyped-def]
    admin.add_operator("ani", "Ani Operator", Role.OPERATOR, PW, PW)
    admin.add_operator("budi", "Budi Operator", Role.OPERATOR, PW, PW)
    seq = next(r.seq for r in admin.audit_view(AuditFilter(action="operator_add")).rows if r.target == "ani")
    with sqlite3.connect(core.home / "station.db") as conn:
        conn.execute("UPDATE audit_events SET detail = ? WHERE seq = ?", ('{"role":"supervisor"}', seq))
    chain = admin.audit_view(AuditFilter(actor="nobody")).chain
    assert not chain.intact and chain.first_broken == seq


def test_settings_valid_change_is_saved_applied_and_audited(core, admin) -> None:  # type: ignore[no-untyped-def]
    before = admin.settings()
    assert before["security.idle_lock_minutes"] == 5 and before["language"] == "id"
    change = admin.apply_settings(
        {
            "security.idle_lock_minutes": "12",
            "sync.warn_pending": 100,
            "central_url": "https://user:rahasia@pusat.example/api",
            "language": "en",
        }
    )
    assert set(change.changes) == {"security.idle_lock_minutes", "sync.warn_pending", "central_url", "language"}
    assert change.effects() == {"now", "next_login", "next_start"}
    saved = load_config(core.home)
    assert saved.security.idle_lock_minutes == 12 and saved.sync.warn_pending == 100 and saved.language == "en"
    assert core.config.security.idle_lock_minutes == 12 and core.auth.security.idle_lock_minutes == 12
    event = last_event(core)
    assert (event.action, event.actor) == ("settings_change", "spv")
    assert '"before":5' in event.detail and '"after":12' in event.detail
    assert "rahasia" not in event.detail and "pusat.example/api" in event.detail
    assert admin.apply_settings({"security.idle_lock_minutes": 12}).changes == {}


def test_settings_refusals_come_back_per_field_and_nothing_is_saved(core, admin) -> None:  # type: ignore[no-untyped-def]
    path = core.home / "station.toml"
    body = path.read_text()
    n_events = admin.audit_view().total
    with pytest.raises(ValidationErrors) as info:
        admin.apply_settings(
            {
                "security.idle_lock_minutes": 0,
                "sync.retention_days": "lama",
                "central_url": "pusat.example",
                "sync.warn_days_since_sync": 20,  # beyond the (unchanged) block level 14
                "sync.warn_pending": 10,  # fine on its own
            }
        )
    fields = {e.field: e for e in info.value.errors}
    assert set(fields) == {
        "security.idle_lock_minutes",
        "sync.retention_days",
        "central_url",
        "sync.warn_days_since_sync",
    }
    idle = fields["security.idle_lock_minutes"]
    assert "1 to 240 minutes" in idle.text("en") and "1 sampai 240 menit" in idle.text("id")
    assert path.read_text() == body
    assert core.config.sync.warn_pending == 500 and core.config.security.idle_lock_minutes == 5
    assert admin.audit_view().total == n_events


def test_settings_block_level_behind_its_warning_level_is_refused_on_the_block_field(admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationErrors) as info:
        admin.apply_settings({"sync.block_free_enrollments": 5000})  # free room: block must be below warn 2000
    assert [e.field for e in info.value.errors] == ["sync.block_free_enrollments"]
    with pytest.raises(ValidationError) as unknown:
        admin.apply_settings({"security.max_failed_logins": 3})
    assert unknown.value.field == "security.max_failed_logins"
