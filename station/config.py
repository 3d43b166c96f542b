"""The station configuration: one typed, versioned TOML file in the data directory.

Secrets never live here (keys are separate owner-only files under keys/). Unknown
keys are refused with a message naming them, so a typo is not silently ignored.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs
import tomli_w

from common.errors import ValidationError
from common.text import Text

CONFIG_VERSION = 1
CONFIG_FILE = "station.toml"


def data_dir() -> Path:
    """STATION_HOME if set, else the platform's user-data directory."""
    env = os.environ.get("STATION_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("ektp-station", appauthor=False))


@dataclass
class DeviceConfig:
    driver: str = "auto"  # a driver name from the registry, or auto (probe, then simulator)
    port: str = ""  # device path, socket:// or http:// URL, camera index or file
    baud: int = 0  # 0 = the protocol's default
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class SecurityConfig:
    max_failed_logins: int = 5
    lock_minutes: int = 15
    idle_lock_minutes: int = 5


@dataclass
class SyncConfig:
    """Sync pacing, retention and the offline limits (in the spirit of MOSIP's)."""

    request_timeout_s: float = 30.0
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 300.0
    breaker_failures: int = 5
    breaker_cool_down_s: float = 60.0
    reconcile_every_s: float = 60.0
    retention_days: int = 30  # a packet file is deleted this long after the centre received it
    warn_days_since_sync: int = 3
    block_days_since_sync: int = 14
    warn_pending: int = 500
    block_pending: int = 5000
    warn_free_enrollments: int = 2000
    block_free_enrollments: int = 200
    # http:// to anything but this computer: off unless a supervisor turns it on. Then
    # integrity rests on the request and receipt signatures alone (records are still
    # encrypted to the centre), and anyone on the path can read the metadata.
    allow_insecure_http: bool = False


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (also as ::ffff:127.x) and `localhost` are this computer."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def insecure_http(url: str) -> bool:
    """An http:// URL to another computer: a man in the middle can answer for the centre."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False  # not a URL at all: refused elsewhere, by form
    return parts.scheme.lower() == "http" and not is_loopback_host(host)


def insecure_http_refused(url: str) -> ValidationError:
    return ValidationError(
        Text(
            f"Alamat pusat {url} memakai http:// ke komputer lain: ditolak. Pakai https://, atau centang "
            "izin http:// tanpa enkripsi di pengaturan (sync.allow_insecure_http).",
            f"The central address {url} uses http:// to another computer: refused. Use https://, or allow "
            "unencrypted http:// in the settings (sync.allow_insecure_http).",
        ),
        field="central_url",
        code="sync.insecure_http",
    )


@dataclass
class StationConfig:
    version: int = CONFIG_VERSION
    language: str = "id"
    demo: bool = False
    central_url: str = ""
    security: SecurityConfig = field(default_factory=SecurityConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    camera: DeviceConfig = field(default_factory=DeviceConfig)
    fingerprint: DeviceConfig = field(default_factory=DeviceConfig)
    signature: DeviceConfig = field(default_factory=DeviceConfig)
    iris: DeviceConfig = field(default_factory=DeviceConfig)  # the dual-iris camera (MOSIP SBI)
    # End-of-day approval (MOSIP's supervisor_approval_config_flag, off by default): sealed
    # records wait for the supervisor's decision before they are sent (station.approval);
    # new enrollments stop once more than `approval_limit` wait (reg_pak_max_cnt_apprv_limit).
    supervisor_approval: bool = False
    approval_limit: int = 100

    def effective_central_url(self) -> str:
        return os.environ.get("STATION_CENTRAL_URL", self.central_url)

    def validate(self, *, transport: bool = True) -> None:
        """Refuse a setting out of range. `transport=False` skips the http:// rule, so that a
        station whose file predates the rule still starts (its sync refuses the URL instead,
        with the same message, and a supervisor can fix it in the settings)."""
        if self.language not in ("id", "en"):
            raise _bad("language", f"'{self.language}' (id or en)")
        if not 1 <= self.security.max_failed_logins <= 20:
            raise _bad("security.max_failed_logins", str(self.security.max_failed_logins))
        if not 1 <= self.security.lock_minutes <= 24 * 60:
            raise _bad("security.lock_minutes", str(self.security.lock_minutes))
        if not 1 <= self.security.idle_lock_minutes <= 240:
            raise _bad("security.idle_lock_minutes", str(self.security.idle_lock_minutes))
        if self.central_url and not self.central_url.startswith(("http://", "https://")):
            raise _bad("central_url", self.central_url)
        if not isinstance(self.supervisor_approval, bool):
            raise _bad("supervisor_approval", f"{self.supervisor_approval!r} (true or false)")
        if isinstance(self.approval_limit, bool) or not isinstance(self.approval_limit, int):
            raise _bad("approval_limit", repr(self.approval_limit))
        if not 1 <= self.approval_limit <= 100_000:
            raise _bad("approval_limit", f"{self.approval_limit} (1 to 100000)")
        s = self.sync
        if not isinstance(s.allow_insecure_http, bool):
            raise _bad("sync.allow_insecure_http", f"{s.allow_insecure_http!r} (true or false)")
        if transport and self.central_url and not s.allow_insecure_http and insecure_http(self.central_url):
            raise insecure_http_refused(self.central_url)
        if not 0 <= s.retention_days <= 3650:
            raise _bad("sync.retention_days", str(s.retention_days))
        for name in ("days_since_sync", "pending", "free_enrollments"):
            warn, block = getattr(s, f"warn_{name}"), getattr(s, f"block_{name}")
            if warn < 0 or block < 0:
                raise _bad(f"sync.warn_{name}", str(warn))
            ok = warn <= block if name != "free_enrollments" else warn >= block
            if not ok:
                raise _bad(f"sync.block_{name}", f"{block} (must be beyond the warning level {warn})")


def _bad(key: str, value: str) -> ValidationError:
    return ValidationError(
        Text(f"Pengaturan {key} tidak valid: {value}", f"Setting {key} is invalid: {value}"), field=key
    )


def _build(cls: type, data: dict[str, Any], prefix: str = "") -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise _bad(prefix + sorted(unknown)[0], "unknown setting")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        factory = known[name].default_factory
        default = factory() if callable(factory) else None
        if default is not None and hasattr(default, "__dataclass_fields__") and isinstance(value, dict):
            kwargs[name] = _build(type(default), value, prefix + name + ".")
        else:
            kwargs[name] = value
    return cls(**kwargs)


def load_config(home: Path | None = None) -> StationConfig:
    path = (home or data_dir()) / CONFIG_FILE
    if not path.exists():
        return StationConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            Text(f"File pengaturan {path} rusak: {exc}", f"The settings file {path} is damaged: {exc}")
        ) from None
    config: StationConfig = _build(StationConfig, data)
    config.validate(transport=False)
    return config


def save_config(config: StationConfig, home: Path | None = None) -> None:
    """Validate, then replace the file atomically (write, fsync, rename)."""
    config.validate()
    home = home or data_dir()
    path = home / CONFIG_FILE
    tmp = path.with_suffix(".toml.tmp")
    body = tomli_w.dumps(asdict(config))
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
