"""The supervisor's administration: operator accounts, the audit log, settings, and
the centre's address and keys (`station central set` comes here too).

Qt-free; the console (ui/console_admin.py) calls these off the GUI thread and gets
plain data back. Every function first checks that the acting session is an
authenticated, unlocked supervisor's (Auth.require), so a console opened by mistake,
or left open behind the idle lock, cannot do more than the role allows.

Traps:
- the last active supervisor can be neither deactivated nor demoted, and nobody can
  deactivate or re-role themselves (station.auth enforces both inside the write);
- settings are validated on a copy with StationConfig.validate before save_config,
  and only then copied into the running configuration (the same objects Auth and the
  sync limits read), so a refused change leaves both file and memory untouched;
- the audit detail of a settings change holds before/after values only, and a
  central URL is logged without any user:password part.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, select

from common.errors import ValidationError, ValidationErrors
from common.text import Text
from station.approval import Decision, PendingRecord, SubmitResult, pending_for, submit_decisions
from station.auth import Authenticated, Role, User, check_new_password
from station.config import StationConfig, save_config
from station.core import StationCore
from station.daily_recap import DailyRecap, daily_recap
from station.events import Change
from station.sync.packets import CENTRAL_KEY
from station.sync.trust import RECEIPT_KEY, InstalledKeys, install_central_keys
from store import audit
from store.audit import ChainProblem
from store.models import AuditEvent
from wire.keys import load_central_bundle, public_pem

log = logging.getLogger(__name__)

AUDIT_PAGE = 200  # rows per page of the audit table; the query never returns more
MAX_ACTORS = 1000  # names offered in the filter by person
NOW, NEXT_LOGIN, NEXT_START = "now", "next_login", "next_start"


@dataclass(frozen=True)
class OperatorRow:
    """An account as the console shows it (no password hash)."""

    username: str
    full_name: str
    role: Role
    active: bool
    locked_until: datetime | None  # only while the lock lasts
    failed_attempts: int


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    date_from: date | None = None  # local dates, both inclusive
    date_to: date | None = None
    offset: int = 0
    limit: int = AUDIT_PAGE


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str | None
    action: str
    target: str | None
    detail: str  # "key=value, ..." from the stored JSON


@dataclass(frozen=True)
class ChainStatus:
    count: int
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> int | None:
        return min(p.seq for p in self.problems) if self.problems else None


@dataclass(frozen=True)
class AuditView:
    rows: list[AuditRow]  # newest first
    total: int  # rows matching the filter (the table shows at most `limit`)
    actors: list[str]  # every actor and action present, for the filter drop-downs
    actions: list[str]
    chain: ChainStatus


@dataclass(frozen=True)
class SettingSpec:
    key: str  # dotted path into StationConfig
    kind: type  # int, str or bool
    effect: str  # NOW, NEXT_LOGIN or NEXT_START
    rule: Text  # what is allowed, shown with a refusal


_WARN_BLOCK = Text(
    "Bilangan bulat 0 atau lebih; batas blokir tidak di bawah batas peringatan.",
    "A whole number, 0 or more; the blocking level not below the warning level.",
)
_FREE = Text(
    "Bilangan bulat 0 atau lebih; batas blokir tidak di atas batas peringatan (sisa ruang menurun).",
    "A whole number, 0 or more; the blocking level not above the warning level (free room counts down).",
)
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "central_url",
        str,
        NEXT_START,
        Text(
            "Kosong, atau alamat yang diawali https://; http:// hanya ke komputer ini kecuali "
            "izin http:// dicentang (sync.allow_insecure_http).",
            "Empty, or an address starting with https://; http:// only to this computer unless "
            "http:// is allowed (sync.allow_insecure_http).",
        ),
    ),
    SettingSpec("sync.warn_days_since_sync", int, NOW, _WARN_BLOCK),
    SettingSpec("sync.block_days_since_sync", int, NOW, _WARN_BLOCK),
    SettingSpec("sync.warn_pending", int, NOW, _WARN_BLOCK),
    SettingSpec("sync.block_pending", int, NOW, _WARN_BLOCK),
    SettingSpec("sync.warn_free_enrollments", int, NOW, _FREE),
    SettingSpec("sync.block_free_enrollments", int, NOW, _FREE),
    SettingSpec("sync.retention_days", int, NOW, Text("0 sampai 3650 hari.", "0 to 3650 days.")),
    SettingSpec(
        "sync.allow_insecure_http",
        bool,
        NEXT_START,
        Text(
            "Ya atau tidak; tanpa izin ini http:// hanya ke komputer ini.",
            "Yes or no; without it http:// only to this computer.",
        ),
    ),
    SettingSpec(
        "supervisor_approval",
        bool,
        NOW,
        Text(
            "Ya atau tidak; bila ya, rekaman tersegel menunggu persetujuan supervisor sebelum dikirim.",
            "Yes or no; when yes, sealed records wait for the supervisor's approval before they are sent.",
        ),
    ),
    SettingSpec("approval_limit", int, NOW, Text("1 sampai 100000 rekaman.", "1 to 100000 records.")),
    SettingSpec("security.idle_lock_minutes", int, NEXT_LOGIN, Text("1 sampai 240 menit.", "1 to 240 minutes.")),
    SettingSpec("language", str, NEXT_START, Text("id atau en.", "id or en.")),
)
SPECS = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class SettingsChange:
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # key: (before, after)

    def effects(self) -> set[str]:
        return {SPECS[k].effect for k in self.changes}


def _get(config: StationConfig, key: str) -> Any:
    obj: Any = config
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def _set(config: StationConfig, key: str, value: Any) -> None:
    *path, last = key.split(".")
    obj: Any = config
    for part in path:
        obj = getattr(obj, part)
    setattr(obj, last, value)


def _refused(key: str, value: Any) -> ValidationError:
    shown = value if value != "" else "-"
    return ValidationError(
        Text(f"Nilai {shown} tidak diterima.", f"The value {shown} is not accepted."),
        field=key,
        remedy=SPECS[key].rule,
    )


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _value_text(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        return f"{value['before']} → {value['after']}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _detail_text(detail_json: str) -> str:
    """The stored JSON as one readable line: "k=v, ...", before/after as "old → new"."""
    try:
        detail = json.loads(detail_json)
    except ValueError:
        return detail_json  # an altered row: show what is there
    if not isinstance(detail, dict):
        return str(detail)
    if set(detail) == {"before", "after"}:
        return _value_text(detail)
    return ", ".join(
        f"{k}: {_value_text(v)}" if isinstance(v, dict) else f"{k}={_value_text(v)}" for k, v in detail.items()
    )


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone().astimezone(UTC)


class Admin:
    """Operator administration, the audit log and settings, acting as one supervisor.

    It takes the supervisor's authenticated session (station.auth.Authenticated), and
    every call, reads included, checks it again (`Auth.require`): a session locked by
    the idle lock, ended, or whose account was deactivated or demoted meanwhile may do
    nothing here."""

    def __init__(self, core: StationCore, user: User | None) -> None:
        core.auth.require(user, Role.SUPERVISOR)
        assert isinstance(user, Authenticated)
        self.core = core
        self.user: Authenticated = user

    def _still_supervisor(self) -> None:
        self.core.auth.require(self.user, Role.SUPERVISOR)

    # --- operators ----------------------------------------------------------------

    def operators(self) -> list[OperatorRow]:
        self._still_supervisor()
        now = datetime.now(UTC)
        return [
            OperatorRow(
                o.username,
                o.full_name,
                Role(o.role),
                o.active,
                o.locked_until if o.locked_until and o.locked_until > now else None,
                o.failed_attempts,
            )
            for o in self.core.auth.list()
        ]

    def add_operator(self, username: str, full_name: str, role: Role, password: str, confirm: str) -> None:
        self._still_supervisor()
        username = username.strip()
        check_new_password(username, password, confirm)
        self.core.auth.add_operator(username, full_name, role, password, by=self.user)
        log.info("operator %s added by %s", username, self.user.username)
        self._accounts_changed()

    def set_active(self, username: str, active: bool) -> None:
        self._still_supervisor()
        self.core.auth.set_active(username, active, by=self.user)
        self._accounts_changed()

    def unlock(self, username: str) -> None:
        self._still_supervisor()
        self.core.auth.set_lock(username, False, by=self.user)
        self._accounts_changed()

    def reset_password(self, username: str, password: str, confirm: str) -> None:
        self._still_supervisor()
        check_new_password(username, password, confirm)
        self.core.auth.reset_password(username, password, by=self.user)
        self._accounts_changed()

    def set_role(self, username: str, role: Role) -> None:
        self._still_supervisor()
        self.core.auth.set_role(username, role, by=self.user)
        self._accounts_changed()

    def _accounts_changed(self) -> None:
        """Committed (each Auth call writes its own transaction with its audit row):
        tell the screens that list accounts or the audit log."""
        self.core.events.notify(Change.OPERATORS, Change.AUDIT)

    # --- daily recap --------------------------------------------------------------

    def daily_recap(self, day: date | None = None) -> DailyRecap:
        """Per operator, the records sealed on `day` (local; default today) and their fate."""
        self._still_supervisor()
        return daily_recap(self.core, day)

    # --- end-of-day approval ----------------------------------------------------------

    def pending_approval(self) -> list[PendingRecord]:
        """The records waiting for the supervisor's decision, oldest first (station.approval)."""
        self._still_supervisor()
        return pending_for(self.core, self.user)

    def submit_approval(self, decisions: list[Decision], approver: User | None) -> SubmitResult:
        """The batch, for the supervisor whose password the console just asked (`approver`)."""
        self._still_supervisor()
        return submit_decisions(self.core, decisions, supervisor=approver)

    # --- audit log ----------------------------------------------------------------

    def audit_view(self, flt: AuditFilter | None = None) -> AuditView:
        """The events matching `flt`, newest first, at most `flt.limit` of them, with the
        whole chain verified (a filter never hides a broken link)."""
        self._still_supervisor()
        flt = flt or AuditFilter()
        where = []
        if flt.actor:
            where.append(AuditEvent.actor == flt.actor)
        if flt.action:
            where.append(AuditEvent.action == flt.action)
        if flt.date_from:
            where.append(AuditEvent.at >= _utc_start(flt.date_from))
        if flt.date_to:
            where.append(AuditEvent.at < _utc_start(flt.date_to + timedelta(days=1)))
        limit = max(1, min(flt.limit, AUDIT_PAGE))
        with self.core.db.read() as session:
            total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
            events = session.scalars(
                select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc()).offset(max(0, flt.offset)).limit(limit)
            )
            rows = [AuditRow(e.seq, e.at, e.actor, e.action, e.target, _detail_text(e.detail)) for e in events]
            # Failed logins name the account tried, so attackers' guesses are actors too: bounded.
            actors = sorted(a for a in session.scalars(select(AuditEvent.actor).distinct().limit(MAX_ACTORS)) if a)
            actions = sorted(session.scalars(select(AuditEvent.action).distinct()))
            count, problems = audit.verify_chain(session)
        if problems:
            log.warning("audit chain broken at seq %d", min(p.seq for p in problems))
        return AuditView(rows, total, actors, actions, ChainStatus(count, problems))

    # --- settings -----------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        self._still_supervisor()
        return {key: _get(self.core.config, key) for key in SPECS}

    def apply_settings(self, values: dict[str, Any]) -> SettingsChange:
        """Validate every given setting, save station.toml, update the running config, audit.

        Refusals come back together (ValidationErrors), one per field, so the form
        can mark each; nothing is saved unless all pass."""
        self._still_supervisor()
        current = self.core.config
        candidate = copy.deepcopy(current)
        errors: dict[str, ValidationError] = {}
        for key, raw in values.items():
            spec = SPECS.get(key)
            if spec is None:
                raise ValidationError(Text(f"Pengaturan {key} tidak dikenal.", f"Unknown setting {key}."), field=key)
            value = _coerce(spec, raw)
            if value is None:
                errors[key] = _refused(key, raw)
            else:
                _set(candidate, key, value)
        for _ in range(2 * len(SPECS)):  # each round reverts one refused field
            try:
                candidate.validate()
                break
            except ValidationError as exc:
                key = exc.field or ""
                unchanged = key in errors or (key in SPECS and _get(candidate, key) == _get(current, key))
                if unchanged and key.startswith("sync.block_"):
                    key = key.replace("block_", "warn_")  # the block level stands: the warning level is at fault
                if key not in SPECS or key in errors:
                    raise
                errors[key] = _refused(key, _get(candidate, key))
                _set(candidate, key, _get(current, key))
        if errors:
            raise ValidationErrors([errors[k] for k in SPECS if k in errors])
        changes = {k: (_get(current, k), _get(candidate, k)) for k in SPECS if _get(current, k) != _get(candidate, k)}
        if not changes:
            return SettingsChange()
        save_config(candidate, self.core.home)
        for key, (_before, after) in changes.items():
            _set(current, key, after)  # in place: Auth.security and the limits hold these objects
        detail = {
            k: {
                "before": _redact_url(b) if k == "central_url" else b,
                "after": _redact_url(a) if k == "central_url" else a,
            }
            for k, (b, a) in changes.items()
        }
        with self.core.db.write() as session:
            audit.append(session, "settings_change", actor=self.user.username, target="station.toml", detail=detail)
        log.info("settings changed by %s: %s", self.user.username, ", ".join(changes))
        self.core.events.notify(Change.SETTINGS, Change.AUDIT)
        return SettingsChange(changes)

    # --- the centre: address and keys ------------------------------------------------

    def set_central(self, url: str | None = None, key_bundle: bytes | None = None) -> InstalledKeys:
        """Where the centre is and the keys the station believes it with (`station
        central set`): the URL as the `central_url` setting (the same check, file,
        running configuration and audit row as the settings page), the key bundle from
        `station-central pubkey` installed under keys/ and audited with its key
        fingerprints. Both are checked before either is written, so a bad key file
        leaves the URL as it was, and a refused URL installs no key."""
        self._still_supervisor()
        keys = None
        if key_bundle is not None:
            try:
                keys = load_central_bundle(key_bundle)
            except ValueError as exc:
                raise ValidationError(
                    Text(
                        f"Berkas itu bukan kunci publik pusat ({exc}). Pakai keluaran 'station-central pubkey'.",
                        f"That file is not the centre's public keys ({exc}). "
                        "Use the output of 'station-central pubkey'.",
                    ),
                    field="public_key",
                ) from None
        if url is not None:
            self.apply_settings({"central_url": url})
        if key_bundle is not None and keys is not None:
            installed = install_central_keys(self.core.home, key_bundle)
            packet, receipt = keys
            detail = {
                "packet_key": _fingerprint(public_pem(packet)),
                "receipt_key": _fingerprint(public_pem(receipt)) if receipt is not None else None,
                "receipt_key_installed": installed.receipt_key,
            }
            with self.core.db.write() as session:
                audit.append(session, "settings_change", actor=self.user.username, target="central.keys", detail=detail)
            log.info("central keys installed by %s", self.user.username)
            self.core.events.notify(Change.SETTINGS, Change.AUDIT)
        home = self.core.home
        return InstalledKeys((home / CENTRAL_KEY).exists(), (home / RECEIPT_KEY).exists())


def _fingerprint(pem: bytes) -> str:
    """A key's SHA-256 (first 16 hex digits), to tell keys apart in the audit log."""
    return hashlib.sha256(pem.strip()).hexdigest()[:16]


def _coerce(spec: SettingSpec, raw: Any) -> Any:
    """The value as its setting's type, or None when it is not one."""
    if spec.kind is bool:  # never "False" as a string: any non-empty string is true
        return raw if isinstance(raw, bool) else None
    if spec.kind is int:
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int):
            return raw
        try:
            return int(str(raw).strip())
        except ValueError:
            return None
    return str(raw).strip()
