"""Login, roles, lockout, and the authenticated session that administration needs.

Passwords are hashed with argon2id. After `max_failed_logins` failures in a row the
account is locked for `lock_minutes`.

Traps:
- every refused login (unknown name, deactivated, locked, wrong password) gets the
  same message and costs one argon2 verify, so neither the answer nor its time tells
  whether an account exists or is locked; the supervisor's console shows the lock and
  until when, the login screen never does;
- a failed login is audited with the name that was tried as its actor (bounded and
  stripped of control characters), so the console's filter by person finds attacks
  on an account;
- administration (operators, settings, force sync, requeue) takes an `Authenticated`
  session, not a name: only `Auth.login`, `Auth.verify_role` and the first-login
  password change make one, and `Auth.require` checks on every call that it is not
  locked (the idle lock) or ended (log out), that its role may act, and that the
  account is still active with that role in the database;
- an account a supervisor created or reset must choose its own password at its first
  login (`operators.must_change_password`); until then `login` refuses it with
  `auth.must_change_password`, after the password was verified (so it tells nothing
  to someone without the password). Accounts on a demo / training station are exempt:
  their documented demo passwords must keep working.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
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
MAX_PASSWORD = 1024  # argon2 hashes any length; a megabyte "password" is an attack, not a password
MAX_TRIED_NAME = 40  # a tried user name is kept in the audit log at most this long
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


_ISSUER = object()  # only this module makes session state


class _SessionState:
    """The mutable part of a session: locked by the idle lock, ended by log out."""

    __slots__ = ("locked", "ended")

    def __init__(self, key: object) -> None:
        if key is not _ISSUER:
            raise TypeError("an authenticated session comes only from Auth.login or Auth.verify_role")
        self.locked = False
        self.ended = False


@dataclass(frozen=True, eq=False)
class Authenticated(User):
    """A user who proved their password in this process: what administration takes.

    Built only by `Auth` (the state's constructor wants a module-private key), so a
    bare user name or a hand-made `User` can never pass for a supervisor by accident.
    """

    state: _SessionState = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.state, _SessionState):
            raise TypeError("an authenticated session comes only from Auth.login or Auth.verify_role")

    @property
    def locked(self) -> bool:
        return self.state.locked

    @property
    def ended(self) -> bool:
        return self.state.ended

    def lock(self) -> None:
        """The idle lock (or "lock now"): nothing may act for this session until
        `Auth.unlock` has seen the password again."""
        self.state.locked = True


def usable(user: User | None, *roles: Role) -> bool:
    """May this session act now, in one of `roles` (none given: any role)? For screens
    to hide what the core would refuse; the core checks again (`Auth.require`)."""
    return isinstance(user, Authenticated) and not user.locked and not user.ended and (not roles or user.role in roles)


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
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            Text(
                f"Kata sandi paling banyak {MAX_PASSWORD} karakter.",
                f"The password may have at most {MAX_PASSWORD} characters.",
            ),
            field="password",
        )


def check_new_password(username: str, password: str, confirm: str) -> None:
    """The rules for a password someone chooses: typed twice alike, long enough, and
    not containing the user name."""
    if password != confirm:
        raise ValidationError(Text("Kedua kata sandi tidak sama.", "The two passwords do not match."), field="confirm")
    check_password(password)
    if username and username.lower() in password.lower():
        raise ValidationError(
            Text("Kata sandi tidak boleh memuat nama pengguna.", "The password must not contain the username."),
            field="password",
        )


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def tried_name(username: str) -> str:
    """A user name someone typed, safe to keep as the audit actor: control characters
    out, bounded in length (it is attacker-chosen)."""
    return _CONTROL.sub("?", username.strip())[:MAX_TRIED_NAME] or "?"


class Auth:
    def __init__(self, db: Database, security: SecurityConfig, *, is_demo: Callable[[], bool] = lambda: False) -> None:
        self.db = db
        self.security = security
        self.operators = OperatorRepository(db)
        self.is_demo = is_demo  # read at each use: the station's mode is configuration

    # --- sessions -------------------------------------------------------------------

    def require(self, session: User | None, *roles: Role) -> Authenticated:
        """The core's own check before anything a role is needed for: an authenticated,
        unlocked, not ended session whose account is still active with one of `roles`.

        A session outlives changes made elsewhere, so the account is read again: a
        supervisor deactivated, demoted or locked meanwhile may no longer act."""
        if not isinstance(session, Authenticated) or session.ended:
            raise AuthError(
                Text("Belum masuk dengan kata sandi.", "Not logged in with a password."), code="auth.no_session"
            )
        if session.locked:
            raise AuthError(
                Text(
                    "Sesi terkunci; masukkan kata sandi untuk membukanya.",
                    "The session is locked; enter the password to unlock it.",
                ),
                code="auth.session_locked",
            )
        require_role(session, *roles)
        row = self.operators.get(session.username)
        now = utcnow()
        if (
            row is None
            or not row.active
            or row.role != session.role.value
            or (row.locked_until is not None and row.locked_until > now)
        ):
            raise AuthError(
                Text(
                    f"{session.username} bukan lagi {_role_id(session.role)} aktif; masuk kembali.",
                    f"{session.username} is no longer an active {_role_en(session.role)}; log in again.",
                ),
                code="auth.role",
            )
        return session

    def login(self, username: str, password: str) -> Authenticated:
        """Verify a password; count failures and lock after too many.

        Every refusal is the same `auth.bad_credentials` after one argon2 verify
        (module docstring). Failures are committed before the error is raised, so a
        refused login still counts towards the lockout and is in the audit log."""
        return self._authenticate(username, password, action="login")

    def _authenticate(self, username: str, password: str, *, action: str) -> Authenticated:
        now = utcnow()
        error: AuthError | None = None
        user: Authenticated | None = None
        actor = tried_name(username)
        candidate = password[: MAX_PASSWORD + 1]  # bounded work for an absurd input
        with self.db.write() as session:
            row = OperatorRepository.row(session, username) if len(username) <= MAX_TRIED_NAME else None
            matches = _verify(row.password_hash if row is not None else _dummy_hash(), candidate)
            matches = matches and len(password) <= MAX_PASSWORD
            if row is None:
                audit.append(session, "login_failed", actor=actor, target=actor, detail={"reason": "unknown"})
                error = _bad_credentials()
            elif not row.active:
                audit.append(session, "login_failed", actor=actor, target=actor, detail={"reason": "inactive"})
                error = _bad_credentials()
            elif row.locked_until is not None and row.locked_until > now:
                audit.append(
                    session, "login_refused_locked", actor=actor, target=actor,
                    detail={"locked_until": row.locked_until.isoformat(), "password_matched": matches},
                )  # fmt: skip
                error = _bad_credentials()
            elif not matches:
                row.failed_attempts += 1
                detail: dict[str, object] = {"reason": "password", "attempt": row.failed_attempts}
                if row.failed_attempts >= self.security.max_failed_logins:
                    row.locked_until = now + timedelta(minutes=self.security.lock_minutes)
                    row.failed_attempts = 0
                    detail["locked_until"] = row.locked_until.isoformat()
                    log.warning("account %s locked after repeated failed logins", username)
                audit.append(session, "login_failed", actor=actor, target=actor, detail=detail)
                error = _bad_credentials()
            else:
                row.failed_attempts = 0
                row.locked_until = None
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                if row.must_change_password and not self.is_demo():
                    audit.append(session, "login_password_change_required", actor=row.username)
                    error = _must_change()
                else:
                    audit.append(session, action, actor=row.username)
                    user = _issue(row)
        if error is not None:
            raise error
        assert user is not None
        return user

    def verify_role(self, username: str, password: str, role: Role) -> Authenticated:
        """Confirm a second person's credentials (a supervisor approving an exception,
        the command line's --supervisor)."""
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

    def change_password_at_login(self, username: str, password: str, new: str, confirm: str) -> Authenticated:
        """The first login of an account a supervisor created or reset: the current
        password once more (verified like any login), then the user's own new one."""
        check_new_password(username, new, confirm)
        if new == password:
            raise ValidationError(
                Text(
                    "Kata sandi baru harus berbeda dari yang diberikan supervisor.",
                    "The new password must differ from the one the supervisor gave.",
                ),
                field="password",
            )
        try:
            self.login(username, password)
        except AuthError as exc:
            if exc.code != "auth.must_change_password":
                raise
        new_hash = hash_password(new)
        with self.db.write() as session:
            row = _existing(session, username)
            row.password_hash = new_hash
            row.must_change_password = False
            audit.append(session, "password_changed", actor=username, target=username)
            audit.append(session, "login", actor=username)
            return _issue(row)

    def unlock(self, session: Authenticated, password: str) -> Authenticated:
        """The lock screen: the same person's password again (counted like a login)."""
        if session.ended:
            raise AuthError(Text("Sesi sudah berakhir.", "The session has ended."), code="auth.no_session")
        self._authenticate(session.username, password, action="unlock")
        session.state.locked = False
        return session

    def logout(self, session: User) -> None:
        if isinstance(session, Authenticated):
            session.state.ended = True
        with self.db.write() as s:
            audit.append(s, "logout", actor=session.username)

    # --- accounts (a supervisor's session each time) ----------------------------------

    def create_first_supervisor(self, username: str, full_name: str, password: str) -> None:
        """`station init`: the station's first account, which chose its own password.
        Refused once any account exists (every later one needs a supervisor)."""
        with self.db.read() as session:
            if session.scalar(select(func.count()).select_from(Operator)):
                raise AuthError(
                    Text("Stasiun ini sudah punya operator.", "This station already has operators."),
                    code="auth.role",
                )
        self._create(username, full_name, Role.SUPERVISOR, password, actor=username, must_change=False)

    def add_operator(self, username: str, full_name: str, role: Role, password: str, *, by: User | None) -> None:
        """A supervisor adds an account; its user must change the password at first login."""
        supervisor = self.require(by, Role.SUPERVISOR)
        self._create(username, full_name, role, password, actor=supervisor.username, must_change=not self.is_demo())

    def _create(
        self, username: str, full_name: str, role: Role, password: str, *, actor: str, must_change: bool
    ) -> None:
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
                    must_change_password=must_change,
                )
            )
            audit.append(
                session, "operator_add", actor=actor, target=username,
                detail={"role": role.value, "must_change_password": must_change},
            )  # fmt: skip

    def set_lock(self, username: str, locked: bool, *, by: User | None) -> None:
        supervisor = self.require(by, Role.SUPERVISOR)
        with self.db.write() as session:
            row = _existing(session, username)
            if locked and username == supervisor.username:
                raise _not_yourself(Text("mengunci", "lock"))
            if locked:
                row.locked_until = utcnow() + timedelta(days=36500)
            else:
                row.locked_until = None
                row.failed_attempts = 0
            audit.append(
                session, "operator_lock" if locked else "operator_unlock", actor=supervisor.username, target=username
            )

    def set_active(self, username: str, active: bool, *, by: User | None) -> None:
        """Deactivate (login refused, history kept) or reactivate an account.

        Refused for one's own account and for the last active supervisor: either would
        leave the station with nobody able to administer it."""
        supervisor = self.require(by, Role.SUPERVISOR)
        with self.db.write() as session:
            row = _existing(session, username)
            if row.active == active:
                return
            if not active:
                _refuse_last_supervisor(session, row)
                if username == supervisor.username:
                    raise _not_yourself(Text("menonaktifkan", "deactivate"))
            row.active = active
            audit.append(
                session,
                "operator_reactivate" if active else "operator_deactivate",
                actor=supervisor.username,
                target=username,
            )

    def set_role(self, username: str, role: Role, *, by: User | None) -> None:
        """Change a role; never one's own, never demoting the last active supervisor."""
        supervisor = self.require(by, Role.SUPERVISOR)
        with self.db.write() as session:
            row = _existing(session, username)
            if row.role == role.value:
                return
            if row.active:
                _refuse_last_supervisor(session, row)
            if username == supervisor.username:
                raise AuthError(
                    Text(
                        "Anda tidak dapat mengubah peran Anda sendiri; minta supervisor lain.",
                        "You cannot change your own role; ask another supervisor.",
                    ),
                    code="auth.self",
                )
            before, row.role = row.role, role.value
            audit.append(
                session,
                "operator_role",
                actor=supervisor.username,
                target=username,
                detail={"before": before, "after": role.value},
            )

    def reset_password(self, username: str, password: str, *, by: User | None) -> None:
        """Set a new password that its user must change at the next login; it also
        clears the failed-login count and any lock, since a forgotten password is the
        usual reason for both."""
        supervisor = self.require(by, Role.SUPERVISOR)
        password_hash = hash_password(password)
        must_change = not self.is_demo()
        with self.db.write() as session:
            row = _existing(session, username)
            was_locked = row.locked_until is not None and row.locked_until > utcnow()
            row.password_hash = password_hash
            row.failed_attempts = 0
            row.locked_until = None
            row.must_change_password = must_change
            audit.append(
                session, "password_reset", actor=supervisor.username, target=username,
                detail={"unlocked": was_locked, "must_change_password": must_change},
            )  # fmt: skip

    def list(self) -> list[OperatorRecord]:
        return self.operators.list()


def _issue(row: Operator) -> Authenticated:
    return Authenticated(row.username, row.full_name, Role(row.role), _SessionState(_ISSUER))


def _role_id(role: Role) -> str:
    return ROLE_LABELS[role].id.lower()


def _role_en(role: Role) -> str:
    return ROLE_LABELS[role].en.lower()


def _existing(session: Session, username: str) -> Operator:
    row = OperatorRepository.row(session, username)
    if row is None:
        raise ValidationError(Text(f"Operator {username} tidak ada.", f"No operator {username}."), field="username")
    return row


def _not_yourself(verb: Text) -> AuthError:
    return AuthError(
        Text(
            f"Anda tidak dapat {verb.id} akun Anda sendiri; minta supervisor lain.",
            f"You cannot {verb.en} your own account; ask another supervisor.",
        ),
        code="auth.self",
    )


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


BAD_CREDENTIALS = Text(
    "Nama pengguna atau kata sandi salah, atau akun ini sedang tidak dapat dipakai. Bila berulang, hubungi supervisor.",
    "Wrong username or password, or the account cannot be used now. If this repeats, ask a supervisor.",
)


def _bad_credentials() -> AuthError:
    """The one answer to every refused login (module docstring)."""
    return AuthError(BAD_CREDENTIALS, code="auth.bad_credentials")


def _must_change() -> AuthError:
    return AuthError(
        Text(
            "Kata sandi ini diberikan supervisor: buat kata sandi Anda sendiri di layar masuk aplikasi.",
            "This password was given by a supervisor: choose your own password at the app's login screen.",
        ),
        code="auth.must_change_password",
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
