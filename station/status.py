"""The station's state in one plain dict: what `station status` prints and what the
app's health strip shows (counts, oldest unsynced record, disk room, link, backlog,
offline limits, devices)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from station.core import StationCore
from station.sync.policy import delivery_rate_of
from store.states import UNSYNCED, RecordState

UNSYNCED_STATES = UNSYNCED  # sealed, not known to be at the centre (store.states)


def link_state(core: StationCore, info: dict[str, Any]) -> str:
    """online | degraded | offline | unknown from the outbox info, or why there is no link."""
    from station.sync.packets import central_public_key
    from station.sync.trust import receipt_public_key

    if not core.config.effective_central_url():
        return "no_central"
    if central_public_key(core.home) is None or receipt_public_key(core.home) is None:
        return "no_central_key"  # the packet key or the receipt key (sync.no_receipt_key)
    return str(info["link_state"] or "unknown")


def status_dict(core: StationCore) -> dict[str, Any]:
    counts = core.enrollments.state_counts()
    oldest = core.enrollments.oldest_in_state(UNSYNCED_STATES)
    free = core.disk_free_bytes()
    station = core.station()
    now = datetime.now(UTC)
    from station.sync.busy import centre_busy
    from station.sync.limits import station_limits
    from store.outbox import Outbox

    outbox = Outbox(core.db)
    info = outbox.info()
    pending, pending_bytes = outbox.pending_totals()
    throughput = info["throughput_bps"]
    delivering = delivery_rate_of(info)
    url = core.config.effective_central_url()
    link = link_state(core, info)
    limits = station_limits(core)
    busy = centre_busy(info, outbox.head())
    from station.approval import approval_state

    approval = approval_state(core)
    waits = approval.text()
    return {
        "station": {"code": station.code, "name": station.name},
        "data_dir": str(core.home),
        "demo": core.config.demo,
        "counts": counts,
        "total": sum(counts.values()),
        "drafts": counts.get(RecordState.DRAFT, 0),
        "oldest_unsynced": None
        if oldest is None
        else {
            "reg_no": oldest.reg_no,
            "sealed_at": oldest.sealed_at.isoformat() if oldest.sealed_at else None,
            "age_hours": round((now - oldest.sealed_at).total_seconds() / 3600, 1) if oldest.sealed_at else None,
        },
        "disk_free_bytes": free,
        "disk_enough_for_enrollments": core.enrollments_room(),
        "sync": {
            "central_url": url or None,
            "link_state": link,
            "last_error": info["last_error"],
            "centre_busy": busy.as_dict() if busy is not None else None,  # station.sync.busy
            "rtt_ms": round(info["rtt_s"] * 1000) if info["rtt_s"] else None,
            "throughput_bps": round(throughput) if throughput else None,
            "pending_records": pending,
            "pending_bytes": pending_bytes,
            # bytes that stick per second, the link's cuts counted (station.sync.policy)
            "backlog_eta_s": round(pending_bytes / delivering)
            if delivering and pending_bytes
            else (0 if not pending else None),
            "last_success_at": info["last_success_at"].isoformat() if info["last_success_at"] else None,
            "central_watermark": info["watermark"],
            "central_gaps": info["gaps"],
        },
        "approval": {  # end-of-day approval (station.approval)
            "enabled": approval.enabled,
            "waiting": approval.waiting,
            "limit": approval.limit,
            "queue_waits": approval.head_waits,
            "message": waits.en if waits else None,
            "message_id": waits.id if waits else None,
        },
        "limits": [
            {
                "name": lim.name,
                "level": lim.level,
                "value": lim.value,
                "limit": lim.limit,
                "message": lim.message.en,
                "message_id": lim.message.id,
            }
            for lim in limits
        ],
    }


def devices_status(core: StationCore, lang: str) -> list[dict[str, Any]]:
    """Each device as selected now (probing ports) with its last self-test verdict."""
    from devices.base import DeviceKind
    from station.devices import select_device, selection_dict
    from station.selftest import last_results

    last = last_results(core)
    out = []
    for kind in DeviceKind:
        row = selection_dict(select_device(kind, core.config), lang)
        row["last_selftest"] = last.get(kind.value)
        out.append(row)
    return out
