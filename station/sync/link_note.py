"""What the sync console tells an operator about a poor link, in words (issue 14).

RTT and throughput describe a link that works. On a link that cuts every connection
after a few seconds they can look fine while nothing arrives, so the console also says
how often the link is cut, how big the chunks are that still get through, and above all
how long ago bytes last stuck at the centre; when nothing has stuck for
HANDCARRY_AFTER_S while records wait and the station kept trying, it points to the USB
hand-carry (`export_for_handcarry`), which then is the faster way.

Traps:
- "last stuck" is when the centre confirmed bytes of an upload (the link monitor's
  `last_progress`, kept in sync_info), or failing that the last receipt; a station that
  has never sent anything has no such time, and is not told to hand-carry because of it;
- the advice needs a try after the last progress: a station that simply had nothing to
  send for an hour is not told its link is poor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from common.text import Text

HANDCARRY_AFTER_S = 30 * 60.0


@dataclass(frozen=True)
class LinkNote:
    text: Text
    handcarry: bool  # the console offers the export to a USB folder


def _ago(seconds: float) -> Text:
    if seconds < 90:
        n = max(0, round(seconds))
        return Text(f"{n} detik", f"{n} s")
    if seconds < 90 * 60:
        n = round(seconds / 60)
        return Text(f"{n} menit", f"{n} min")
    n = round(seconds / 3600)
    return Text(f"{n} jam", f"{n} h")


def link_note(
    *,
    pending: int,
    last_progress_at: datetime | None,
    last_success_at: datetime | None,
    last_attempt_at: datetime | None,
    now: datetime,
) -> LinkNote | None:
    """A line for the console while records wait (None when nothing waits)."""
    if pending <= 0:
        return None
    stuck = max((t for t in (last_progress_at, last_success_at) if t is not None), default=None)
    if stuck is None:
        return LinkNote(Text("Belum ada byte yang sampai di pusat.", "No byte has reached the centre yet."), False)
    since = max(0.0, (now - stuck).total_seconds())
    ago = _ago(since)
    line = Text(
        f"Byte terakhir sampai di pusat {ago.id} yang lalu.", f"The last bytes reached the centre {ago.en} ago."
    )
    tried_since = last_attempt_at is not None and last_attempt_at > stuck
    if since < HANDCARRY_AFTER_S or not tried_since:
        return LinkNote(line, False)
    advice = Text(
        f"{line.id} Jaringan terlalu buruk untuk mengirim {pending} rekaman yang menunggu: "
        "bawa dengan USB (Ekspor ke folder USB).",
        f"{line.en} The link is too poor to send the {pending} waiting record(s): "
        "hand-carry them on a USB stick (Export to USB folder).",
    )
    return LinkNote(advice, True)
