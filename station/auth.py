"""Login, roles and lockout.

Passwords are hashed with argon2id. After `max_failed_logins` failures in a row the
account is locked for `lock_minutes`; the message says until when. An unknown
username costs the same hash work as a wrong password, so timing tells nothing.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import AuthError, ValidationError
from common.text import Text
from station.config import SecurityConfig
from store import audit
from store.db import Database
from store.models import Operator
from store.operators import OperatorRecord, OperatorRepository
from store.types import utcnow

log = logging.getLogger(__name__)

_hasher = PasswordHasher()  # argon2id with the library's current defaults


@functools.cache
def _dummy_hash() -> str:
    """Hashed on first need, not at import: an argon2 hash costs a fifth of a second."""
    return _hasher.hash("not a real password")


_USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{2,39}$")
MIN_PASSWORD = 8


class Role(StrEnum):
    OPERATOR = "operator"
    TECHNICIAN = "technician"
    SUPERVISOR = "supervisor"


ROLE_LABELS = {
    Role.OPERATOR: Text("Operator", "Operator"),
    Role.TECHNICIAN: Text("Teknisi", "Technician"),
    Role.SUPERVISOR: Text("Supervisor", "Supervisor"),
}


@dataclass(frozen=True)
class User:
    """Who is logged in: plain data handed to the app."""

    username: str
    full_name: str
    role: Role


def check_username(username: str) -> None:
    if not _USERNAME_RE.match(username):
        raise ValidationError(
            Text(
                "Nama pengguna: 3-40 huruf kecil, angka, titik, garis bawah atau tanda hubung, diawali huruf.",
                "Username: 3-40 lower-case letters, digits, dots, underscores or hyphens, starting with a letter.",
            ),
            field="username",
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            Text(
                f"Kata sandi minimal {MIN_PASSWORD} karakter.",
                f"The password needs at least {MIN_PASSWORD} characters.",
            ),
            field="password",
        )


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def _fmt_local(t: datetime) -> str:
    return t.astimezone().strftime("%H:%M %d-%m-%Y")


class Auth:
    def __init__(self, db: Database, security: SecurityConfig) -> None:
        self.db = db
        self.security = security
        self.operators = OperatorRepository(db)

    def add_operator(self, username: str, full_name: str, role: Role, password: str, *, actor: str | None) -> None:
        check_username(username)
        if not full_name.strip():
            raise ValidationError(Text("Nama lengkap wajib diisi.", "The full name is required."), field="full_name")
        password_hash = hash_password(password)
        with self.db.write() as session:
            if OperatorRepository.row(session, username) is not None:
                raise ValidationError(
                    Text(f"Nama pengguna {username} sudah dipakai.", f"Username {username} is already taken."),
                    field="username",
                )
            session.add(
                Operator(
                    username=username,
                    full_name=full_name.strip(),
                    role=role.value,
                    password_hash=password_hash,
                    failed_attempts=0,
                    active=True,
                    created_at=utcnow(),
                )
            )
            audit.append(session, "operator_add", actor=actor, target=username, detail={"role": role.value})

    def login(self, username: str, password: str) -> User:
        """Verify a password; count failures and lock after too many.

        Failures are committed before the error is raised, so a refused login still
        counts towards the lockout and is in the audit log.
        """
        now = utcnow()
        error: AuthError | None = None
        user: User | None = None
        with self.db.write() as session:
            row = OperatorRepository.row(session, username)
            if row is None or not row.active:
                _verify(_dummy_hash(), password)
                audit.append(session, "login_failed", actor=None, target=username, detail={"reason": "unknown"})
                error = _bad_credentials()
            elif row.locked_until is not None and row.locked_until > now:
                audit.append(session, "login_refused_locked", actor=None, target=username)
                error = _locked(row.locked_until)
            elif not _verify(row.password_hash, password):
                row.failed_attempts += 1
                detail: dict[str, object] = {"attempt": row.failed_attempts}
                error = _bad_credentials()
                if row.failed_attempts >= self.security.max_failed_logins:
                    row.locked_until = now + timedelta(minutes=self.security.lock_minutes)
                    row.failed_attempts = 0
                    detail["locked_until"] = row.locked_until.isoformat()
                    log.warning("account %s locked after repeated failed logins", username)
                    error = _locked(row.locked_until)
                audit.append(session, "login_failed", actor=None, target=username, detail=detail)
            else:
                row.failed_attempts = 0
                row.locked_until = None
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                audit.append(session, "login", actor=username)
                user = User(row.username, row.full_name, Role(row.role))
        if error is not None:
            raise error
        assert user is not None
        return user

    def verify_role(self, username: str, password: str, role: Role) -> User:
        """Confirm a second person's credentials (a supervisor approving an exception)."""
        user = self.login(username, password)
        if user.role != role:
            raise AuthError(
                Text(
                    f"{username} bukan {ROLE_LABELS[role].id}; hanya {ROLE_LABELS[role].id} yang boleh menyetujui.",
                    f"{username} is not a {ROLE_LABELS[role].en}; only a {ROLE_LABELS[role].en} may approve this.",
                ),
                code="auth.role",
            )
        return user

    def logout(self, username: str) -> None:
        with self.db.write() as session:
            audit.append(session, "logout", actor=username)

    def set_lock(self, username: str, locked: bool, *, actor: str | None) -> None:
        with self.db.write() as session:
            row = OperatorRepository.row(session, username)
            if row is None:
                raise ValidationError(
                    Text(f"Operator {username} tidak ada.", f"No operator {username}."), field="username"
                )
            if locked:
                row.locked_until = utcnow() + timedelta(days=36500)
            else:
                row.locked_until = None
                row.failed_attempts = 0
            audit.append(session, "operator_lock" if locked else "operator_unlock", actor=actor, target=username)

    def set_active(self, username: str, active: bool, *, actor: str | None) -> None:
        """Deactivate (login refused, history kept) or reactivate an account.

        Refused for one's own account and for the last active supervisor: either would
        leave the station with nobody able to administer it."""
        with self.db.write() as session:
            row = _existing(session, username)
            if row.active == active:
                return
            if not active:
                _refuse_last_supervisor(session, row)
                if username == actor:
                    raise AuthError(
                        Text(
                            "Anda tidak dapat menonaktifkan akun Anda sendiri; minta supervisor lain.",
                            "You cannot deactivate your own account; ask another supervisor.",
                        ),
                        code="auth.self",
                    )
            row.active = active
            audit.append(
                session, "operator_reactivate" if active else "operator_deactivate", actor=actor, target=username
            )

    def set_role(self, username: str, role: Role, *, actor: str | None) -> None:
        """Change a role; never one's own, never demoting the last active supervisor."""
        with self.db.write() as session:
            row = _existing(session, username)
            if row.role == role.value:
                return
            if row.active:
                _refuse_last_supervisor(session, row)
            if username == actor:
                raise AuthError(
                    Text(
                        "Anda tidak dapat mengubah peran Anda sendiri; minta supervisor lain.",
                        "You cannot change your own role; ask another supervisor.",
                    ),
                    code="auth.self",
                )
            before, row.role = row.role, role.value
            audit.append(
                session, "operator_role", actor=actor, target=username, detail={"before": before, "after": role.value}
            )

    def reset_password(self, username: str, password: str, *, actor: str | None) -> None:
        """Set a new password; it also clears the failed-login count and any lock, since a
        forgotten password is the usual reason for both. (The table has no
        "must change at next login" flag.)"""
        password_hash = hash_password(password)
        with self.db.write() as session:
            row = _existing(session, username)
            was_locked = row.locked_until is not None and row.locked_until > utcnow()
            row.password_hash = password_hash
            row.failed_attempts = 0
            row.locked_until = None
            audit.append(session, "password_reset", actor=actor, target=username, detail={"unlocked": was_locked})

    def list(self) -> list[OperatorRecord]:
        return self.operators.list()


def _existing(session: Session, username: str) -> Operator:
    row = OperatorRepository.row(session, username)
    if row is None:
        raise ValidationError(Text(f"Operator {username} tidak ada.", f"No operator {username}."), field="username")
    return row


def _refuse_last_supervisor(session: Session, row: Operator) -> None:
    if row.role != Role.SUPERVISOR.value:
        return
    others = session.scalar(
        select(func.count())
        .select_from(Operator)
        .where(Operator.role == Role.SUPERVISOR.value, Operator.active.is_(True), Operator.id != row.id)
    )
    if not others:
        raise AuthError(
            Text(
                f"{row.username} adalah satu-satunya supervisor aktif; tambahkan supervisor lain dahulu.",
                f"{row.username} is the only active supervisor; add another supervisor first.",
            ),
            code="auth.last_supervisor",
        )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _bad_credentials() -> AuthError:
    return AuthError(
        Text("Nama pengguna atau kata sandi salah.", "Wrong username or password."), code="auth.bad_credentials"
    )


def _locked(until: datetime) -> AuthError:
    return AuthError(
        Text(
            f"Akun terkunci sampai {_fmt_local(until)}. Hubungi supervisor untuk membuka lebih cepat.",
            f"The account is locked until {_fmt_local(until)}. Ask a supervisor to unlock it sooner.",
        ),
        code="auth.locked",
    )


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        raise AuthError(
            Text(
                f"Peran {ROLE_LABELS[user.role].id} tidak boleh melakukan ini.",
                f"The {ROLE_LABELS[user.role].en} role may not do this.",
            ),
            code="auth.role",
        )
