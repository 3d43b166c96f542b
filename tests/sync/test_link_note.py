"""The console's words about a poor link: how long since bytes stuck, and when to hand-carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from station.sync.link_note import HANDCARRY_AFTER_S, link_note

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def note(**kw):  # type: ignore[no-untyped-def]
    base = {"pending": 3, "last_progress_at": None, "last_success_at": None, "last_attempt_at": None, "now": NOW}
    return link_note(**{**base, **kw})


def test_nothing_waiting_says_nothing():
    assert note(pending=0, last_progress_at=NOW - timedelta(hours=5), last_attempt_at=NOW) is None


def test_a_station_that_never_sent_says_so_without_advising_hand_carry():
    n = note(last_attempt_at=NOW)
    assert n is not None and not n.handcarry and "No byte" in n.text.en


def test_recent_bytes_are_named_with_their_age():
    n = note(last_progress_at=NOW - timedelta(seconds=40), last_attempt_at=NOW)
    assert n is not None and not n.handcarry
    assert n.text.en == "The last bytes reached the centre 40 s ago."
    assert n.text.id == "Byte terakhir sampai di pusat 40 detik yang lalu."


def test_nothing_stuck_for_half_an_hour_while_trying_points_to_the_usb_hand_carry():
    stuck = NOW - timedelta(seconds=HANDCARRY_AFTER_S + 60)
    n = note(last_progress_at=stuck, last_success_at=stuck - timedelta(hours=1), last_attempt_at=NOW)
    assert n is not None and n.handcarry
    assert "31 min ago" in n.text.en and "3 waiting record(s)" in n.text.en and "USB" in n.text.en
    assert "USB" in n.text.id and "31 menit" in n.text.id


def test_an_idle_station_is_not_told_its_link_is_poor():
    stuck = NOW - timedelta(hours=3)
    n = note(last_success_at=stuck, last_attempt_at=stuck - timedelta(minutes=1))  # no try since the last success
    assert n is not None and not n.handcarry and "3 h ago" in n.text.en
