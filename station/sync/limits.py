"""Offline limits: warn early, block new enrollments only at the hard limits.

Three limits, each with a warning and a blocking level (station.toml, [sync]):
days since the last successful sync, records waiting to be sent, and free disk
expressed as enrollments it can still hold. Every message names the limit, the
measured value, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from common.errors import UserFacingError
from common.text import Text
from station.config import StationConfig
from station.core import StationCore
from store.outbox import PENDING, Outbox

WARN = "warn"
BLOCK = "block"


@dataclass(frozen=True)
class LimitState:
    name: str  # days_since_sync | pending | free_enrollments | pending_approval
    level: str  # warn | block
    value: float
    limit: float
    message: Text


class EnrollmentBlocked(UserFacingError):
    code = "limits.blocked"


def station_limits(core: StationCore) -> list[LimitState]:
    """The limits as they stand now, for everyone who shows or enforces them (status,
    the app, the sync console, enroll-synthetic). Before any successful sync, the
    last-sync clock starts at the oldest record still waiting to be sent; exported
    records do not keep it running, since hand-carry is one of the remedies."""
    from station.approval import approval_limits  # the pending-approval limit (station.approval)

    oldest = core.enrollments.oldest_in_state(PENDING)
    return check_limits(
        core.config, Outbox(core.db), core.enrollments_room(), first_sealed_at=oldest.sealed_at if oldest else None
    ) + approval_limits(core)


def check_limits(
    config: StationConfig, outbox: Outbox, free: int, *, first_sealed_at: datetime | None = None
) -> list[LimitState]:
    """`free` is how many more enrollments the disk holds (StationCore.enrollments_room)."""
    s = config.sync
    out: list[LimitState] = []
    pending, _ = outbox.pending_totals()
    info = outbox.info()
    last = info["last_success_at"] or first_sealed_at
    if last is not None and pending:
        days = (datetime.now(UTC) - last).total_seconds() / 86400
        for level, limit in ((BLOCK, s.block_days_since_sync), (WARN, s.warn_days_since_sync)):
            if days >= limit:
                out.append(
                    LimitState(
                        "days_since_sync",
                        level,
                        round(days, 1),
                        limit,
                        Text(
                            f"Sudah {days:.0f} hari tanpa sinkronisasi berhasil (batas {limit}). "
                            "Sambungkan ke jaringan dan minta supervisor memaksa sinkronisasi, atau ekspor ke USB.",
                            f"{days:.0f} days without a successful sync (limit {limit}). "
                            "Connect to the network and have a supervisor force a sync, or export to USB.",
                        ),
                    )
                )
                break
    for level, limit in ((BLOCK, s.block_pending), (WARN, s.warn_pending)):
        if pending >= limit:
            out.append(
                LimitState(
                    "pending",
                    level,
                    pending,
                    limit,
                    Text(
                        f"{pending} rekaman menunggu dikirim (batas {limit}). Kirim atau ekspor ke USB untuk dibawa ke kabupaten.",
                        f"{pending} records are waiting to be sent (limit {limit}). Sync, or export to USB for hand-carry.",
                    ),
                )
            )
            break
    for level, limit in ((BLOCK, s.block_free_enrollments), (WARN, s.warn_free_enrollments)):
        if free <= limit:
            out.append(
                LimitState(
                    "free_enrollments",
                    level,
                    free,
                    limit,
                    Text(
                        f"Disk hanya cukup untuk sekitar {free} rekaman lagi (batas {limit}). "
                        "Kirim rekaman agar paket lama dapat dihapus, atau kosongkan disk.",
                        f"The disk holds only about {free} more enrollments (limit {limit}). "
                        "Sync so that old packets can be removed, or free disk space.",
                    ),
                )
            )
            break
    return out


def require_can_enroll(states: list[LimitState]) -> None:
    blocking = [s for s in states if s.level == BLOCK]
    if blocking:
        raise EnrollmentBlocked(
            Text(
                "Perekaman baru dihentikan: " + " ".join(s.message.id for s in blocking),
                "New enrollments are stopped: " + " ".join(s.message.en for s in blocking),
            )
        )
