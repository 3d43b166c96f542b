"""Which stations the centre serves now: turns ("sessions") and an ordered waiting list.

Past its capacity the centre must shed load without wasting what it already took on,
and without letting a station that retries often starve one that waits as told. So
admission is by station, not by request:
- A station that is admitted holds a turn: every request of it passes until it has
  been silent `session_idle_s` (its queue is empty, or it is waiting on its own
  backoff), so a record it has started is finished, not cut half-way.
- While other stations wait, a turn ends after `session_records` commits, but not
  before `session_min_s` (Retry-After counts whole seconds, so a shorter turn would leave
  the turn idle until the next station comes back), or after `session_max_s`: the station's requests that continue a record (HEAD, a PATCH past
  offset 0, a commit) still pass, one that starts new work (register, reconcile, a
  PATCH at offset 0) is refused and the station joins the waiting list at its tail.
  That is round robin: in overload every station delivers about the same number of
  records per rotation, and a rotation takes (stations x session_records) / records/s.
  The receipt that uses up a turn already says so (`committed`: the `X-Turn-Over`
  header with the seconds to wait), so a station that reads it does not send its next
  record only to be refused.
- A station refused while all `max_sessions` turns are taken joins the waiting list,
  ordered by when it was FIRST refused, and is given an appointment (refusal + the
  Retry-After it was told). Who may take a free turn:
  - a station asking at or after its appointment (polite: as told) takes it;
  - an early or new asker takes it only if no waiter ahead of it is due (its
    appointment has come, and not passed by more than a grace). So retrying more often
    never moves a station up: before its appointment it yields to everyone due ahead.
  The order of service is the order of the appointments, which follow the places in
  line. A due waiter that has not come yet holds nothing against a polite asker:
  stations spread their return over half their wait again (jitter), and holding a free
  turn for each latecomer left the turns idle while the ones behind were refused again
  and again (1.09 refusals per record at three times the capacity; holding only for
  those that came and found no turn still cost 0.63, none 0.30). One that comes and
  finds no turn is told again from its place, near the front: a short wait. A waiter
  that misses its appointment by more than the grace stops holding turns but keeps its
  place, so a station that returns late (its own backoff, a breaker) is first again
  when it comes.
- Retry-After = ceil((live waiters ahead / N + 1 - free turns) x turn length / turns),
  clamped to [1, max_retry_after_s]. N is below; "turns" is max_sessions, or only
  the running ones while the work slots limit them (and CROWDED_MEMORY_S after: the
  crowded signal flickers as the slots' queue drains). Turn length is the moving average of how
  long full turns (ended by their record quota) lasted: each station is told roughly
  when its turn comes, so retries spread out instead of re-synchronising. The rate is
  the turns' capacity, not how many turns happened to end: that count falls whenever
  stations are away waiting, and a Retry-After taken from it would grow, keep them
  away longer and leave the turns idle (measured: 5 records/s instead of 24).
- With N processes sharing one line (`serve --workers N`, `line_shared_by`), a
  station waiting out its Retry-After may reconnect to any process, and its ticket
  puts it in that one's list too. Then each list holds nearly every waiting station
  and each process serves 1/N of the turns, so the waiters ahead count 1/N each.
  Counted whole, every Retry-After and X-Turn-Over was N times too long: stations
  sat out a rotation that had already come round. But a station whose connection
  outlives its wait (keep-alive) comes back to the same process, whose list then
  holds only its own stations: counted 1/N, they were told to come back N times too
  soon and refused again. So the share is measured (`line_share`): from how many
  returning stations bring a ticket another process issued.
Traps:
- All of it is per `serve` process (each has its own work slots and turns). With
  several processes a station's connections may reach another one; its queue ticket
  (central.queue_ticket, `enter(since=...)`) gives that one its place, so the order is
  global up to the nodes' clocks. A station without a ticket joins at the back.
- Memory is bounded: at most `max_sessions` turns and `max_waiters` waiters (waiters
  not heard from for `WAITER_TTL_S` are forgotten); past the cap a station is refused
  with the longest Retry-After and not remembered.
- More turns than the work slots can serve only lengthen the queue at the slots: while
  `crowded()` (app.py: the slots' queue would take more than a second to drain) no
  new turn starts, so the number of turns follows what the database can do and an
  admitted station's requests do not time out waiting for a slot. The signal lags a
  burst (requests reach the slots after their nonce and body), so a burst of new
  stations can still overfill the queue once; the slot wait (5 s) absorbs that.
- Only authenticated stations reach the gate (app.py checks the signature first), so
  nobody without a station key can take a turn or a place.
- Thread-safe; called from the event loop, never blocks. Nothing in it walks the
  whole waiting list per request (_Line, _sweep): with thousands waiting, that was
  most of a refusal's cost, in the lock every request takes.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from central.errors import CentralError

log = logging.getLogger(__name__)

RATE_WINDOW_S = 30.0
WAITER_TTL_S = 600.0
GRACE_MIN_S = 3.0
SWEEP_EVERY_S = 0.25
FIRST_GUESS_TURN_S = 2.0  # a turn's length until one has been measured
TURN_EWMA = 0.2
CROWDED_MEMORY_S = 5.0  # after the work slots were last crowded, Retry-After counts only running turns
DUE_EARLY_S = 1.0  # a turn is held for a waiter this long before its appointment (the Retry-After step)
OWN_TICKET_S = 0.05  # a ticket this close to the place held here was issued here (ms, wall/monotonic)
SHARE_EWMA = 0.02  # weight of one returning station in the share of tickets issued elsewhere


class Shed(CentralError):
    """503 server.busy, with the reason it was shed (for the metrics, not the wire) and,
    for a station put in line, when it was first refused (its place: central.queue_ticket)."""

    def __init__(self, reason: str, detail: str, retry_after: int, *, first: float | None = None) -> None:
        super().__init__("server.busy", detail, headers={"Retry-After": str(retry_after)})
        self.shed_reason = reason
        self.retry_after = retry_after
        self.first = first


@dataclass
class _Turn:
    started: float
    last_seen: float
    inflight: int = 0
    records: int = 0
    closing: bool = False
    handed_back: bool = False  # ended by its last receipt (see SessionGate.committed)


@dataclass
class _Waiter:
    first: float  # first refused: the place in the list
    seen: float  # last refused
    due: float  # its appointment: seen + the Retry-After it was given
    key: tuple[float, int] = (0.0, 0)  # its place in _Line: (first, arrival)
    counted: bool = False  # in _Line's index of live waiters

    def polite(self, now: float) -> bool:
        """Asking at or after its appointment, as told (not early)."""
        return self.due - DUE_EARLY_S <= now

    def live_until(self) -> float:
        return self.due + max(GRACE_MIN_S, self.due - self.seen)

    def live(self, now: float) -> bool:
        """Still expected back: not past its appointment by more than the grace."""
        return now <= self.live_until()

    def holds(self, now: float) -> bool:
        """Holds a free turn against those behind it: due, and not gone."""
        return self.due - DUE_EARLY_S <= now and self.live(now)


class _Line:
    """The waiting list, in order of first refusal (ties: order of arrival), indexed so
    that a station's live waiters ahead are counted in O(log n).

    Every refusal asks how many live waiters stand ahead (its Retry-After). Counted by
    walking the list, kept in order by re-sorting it whenever a queue ticket put a
    station at an earlier place, and with every turn and waiter walked again at each
    refusal (the sweep), a refusal cost 155 µs and a station placed by its ticket 670 µs
    at 1,500 waiters (three times the capacity in the bench), inside the gate's lock on
    the event loop; now 11 to 13 µs (see SessionGate._sweep). Here the order is a sorted
    list of keys, the live waiters a second sorted list, and a heap of when each
    counted waiter stops being live takes it out of the count (lazily, exactly: an
    entry is checked against the waiter's current appointment when it comes up, as
    every later appointment pushed an entry of its own)."""

    def __init__(self) -> None:
        self._waiters: dict[str, _Waiter] = {}
        self._order: list[tuple[float, int, str]] = []  # every waiter's (first, arrival, station)
        self._live: list[tuple[float, int]] = []  # the keys of the waiters counted live
        self._expiry: list[tuple[float, float, int, str]] = []  # heap: (live until, *key, station)
        self._arrivals = 0

    def __len__(self) -> int:
        return len(self._waiters)

    def get(self, station: str) -> _Waiter | None:
        return self._waiters.get(station)

    def items(self) -> Iterator[tuple[str, _Waiter]]:
        """The waiters in order of their place."""
        for _first, _arrival, station in self._order:
            yield station, self._waiters[station]

    def put(self, station: str, waiter: _Waiter, now: float) -> None:
        """Add `waiter` at its `first` (behind any with the same), or move it there."""
        self.remove(station)
        self._arrivals += 1
        waiter.key, waiter.counted = (waiter.first, self._arrivals), False
        insort(self._order, (*waiter.key, station))
        self._waiters[station] = waiter
        self.refreshed(station, waiter, now)

    def refreshed(self, station: str, waiter: _Waiter, now: float) -> None:
        """`waiter`'s appointment changed: count it while live."""
        if not waiter.live(now):
            self._uncount(waiter)
            return
        if not waiter.counted:
            insort(self._live, waiter.key)
            waiter.counted = True
        heapq.heappush(self._expiry, (waiter.live_until(), *waiter.key, station))
        if len(self._expiry) > 4 * len(self._waiters) + 64:  # one entry per refusal: compact
            self._expiry = [(w.live_until(), *w.key, c) for c, w in self._waiters.items() if w.counted]
            heapq.heapify(self._expiry)

    def remove(self, station: str) -> _Waiter | None:
        waiter = self._waiters.pop(station, None)
        if waiter is not None:
            del self._order[bisect_left(self._order, (*waiter.key, station))]
            self._uncount(waiter)
        return waiter

    def live_ahead(self, station: str, now: float) -> int:
        """Live waiters before `station` (all of them if it is not in the list)."""
        self._expire(now)
        waiter = self._waiters.get(station)
        return len(self._live) if waiter is None else bisect_left(self._live, waiter.key)

    def live_count(self, now: float) -> int:
        self._expire(now)
        return len(self._live)

    def _uncount(self, waiter: _Waiter) -> None:
        if waiter.counted:
            del self._live[bisect_left(self._live, waiter.key)]
            waiter.counted = False

    def _expire(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] < now:
            _until, first, arrival, station = heapq.heappop(self._expiry)
            waiter = self._waiters.get(station)
            if waiter is not None and waiter.key == (first, arrival) and not waiter.live(now):
                self._uncount(waiter)  # (one given a later appointment since has a newer entry)


class SessionGate:
    """Turns and the waiting list of one process."""

    def __init__(
        self,
        *,
        max_sessions: int,
        session_records: int,
        session_max_s: float,
        session_idle_s: float,
        max_waiters: int,
        session_min_s: float = 2.0,
        max_retry_after_s: int,
        line_shared_by: int = 1,
        crowded: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_sessions = max_sessions
        self.crowded = crowded
        self.session_records = session_records
        self.session_max_s = session_max_s
        self.session_min_s = session_min_s
        self.session_idle_s = session_idle_s
        self.max_waiters = max_waiters
        self.max_retry_after_s = max_retry_after_s
        self.line_shared_by = line_shared_by
        self.clock = clock
        self._lock = threading.Lock()
        self._turns: dict[str, _Turn] = {}
        self._waiting = _Line()
        self._admitted: dict[str, float] = {}  # when each station's latest turn began (bounded)
        self._ended: deque[float] = deque(maxlen=4096)
        self._born = clock()
        self._turn_s = min(FIRST_GUESS_TURN_S, session_max_s)
        self._swept = 0.0
        self._crowded_at = float("-inf")  # when crowded() last kept a new turn from starting
        # Of the stations that come back with a ticket, the share whose ticket another process
        # issued: (N-1)/N when every return reaches a process at random, 0 when each station
        # keeps its connection (and so its process). It starts as if at random.
        self._foreign = (line_shared_by - 1) / line_shared_by

    # -- the two calls around every authenticated request ---------------------------------------

    def enter(self, station: str, *, starts_work: bool, since: float | None = None) -> None:
        """Admit the request or raise Shed (503 server.busy with Retry-After). `since`:
        when the station was first refused, from its queue ticket (another process may
        have refused it): its place in this process's line, if earlier than its own."""
        with self._lock:
            now = self.clock()
            self._sweep(now)
            turn = self._turns.get(station)
            if turn is not None:
                if not turn.closing and self._used_up(turn, now) and self._any_live(now):
                    turn.closing = True
                if not (turn.closing and starts_work):
                    turn.inflight += 1
                    self._heard(station, turn, now)
                    return
                # its turn is over: it goes to the back of the line
                if turn.inflight == 0:
                    self._end_full(station, turn, now)
                raise self._refuse(station, now, fresh=True)
            if since is not None:
                self._count_ticket(station, since)
                self._place(station, since, now)
            free = self._free()
            waiter = self._waiting.get(station)
            polite = waiter is not None and waiter.polite(now)
            if free > 0 and self._holding_ahead(station, now, stop_at=free, polite=polite) < free:
                self._waiting.remove(station)
                self._turns[station] = _Turn(started=now, last_seen=now, inflight=1)
                self._admitted.pop(station, None)
                self._admitted[station] = now
                if len(self._admitted) > self.max_waiters + self.max_sessions:
                    del self._admitted[next(iter(self._admitted))]  # the longest ago
                return
            why = "turn_held" if free > 0 else ("sessions_full" if len(self._turns) >= self.max_sessions else "crowded")
            raise self._refuse(station, now, fresh=False, why=why)

    def leave(self, station: str) -> None:
        """The request entered for `station` has been answered."""
        with self._lock:
            turn = self._turns.get(station)
            if turn is None:
                return
            now = self.clock()
            turn.inflight = max(0, turn.inflight - 1)
            self._heard(station, turn, now)  # a closing turn ends at its next new work or its silence
            if turn.handed_back and turn.inflight == 0:  # its station was told when to come back
                self._end_full(station, turn, now)

    def committed(self, station: str) -> Shed | None:
        """A record of `station` was received in its turn. When that record used up the
        turn while others wait, the turn is handed back: the station goes to the back of
        the line now, as the refusal of its next record would put it, and the seconds
        returned go out with the receipt (`X-Turn-Over`), so that it waits without
        sending a record only to have it refused (the refused PATCH carries the whole
        packet: a ninety-kilobyte request that does nothing, on the station's link and in
        the centre's CPU). The turn ends when its last request in flight is answered.
        Returns what a refusal would have said (its Retry-After and the station's place),
        or None: the turn goes on."""
        with self._lock:
            turn = self._turns.get(station)
            if turn is None:
                return None
            turn.records += 1
            now = self.clock()
            if turn.closing or not (self._used_up(turn, now) and self._any_live(now)):
                return None
            turn.closing = turn.handed_back = True
            return self._refuse(station, now, fresh=True)

    # -- numbers for Retry-After and /metrics -------------------------------------------------

    def turns_per_s(self, now: float | None = None) -> float:
        """Turns ended per second over the last RATE_WINDOW_S (0 before any ended)."""
        now = self.clock() if now is None else now
        recent = sum(1 for t in self._ended if now - t <= RATE_WINDOW_S)
        span = min(RATE_WINDOW_S, max(1.0, now - self._born))
        return recent / span

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            now = self.clock()
            return {
                "sessions": len(self._turns),
                "waiting": len(self._waiting),
                "waiting_live": self._waiting.live_count(now),
            }

    def retry_after(self, station: str | None = None) -> int:
        """What a station would be told now (its place, or the back of the line)."""
        with self._lock:
            now = self.clock()
            return self._retry_after(self._waiting.live_ahead(station or "", now), now)

    # -- inside the lock ----------------------------------------------------------------------

    def _used_up(self, turn: _Turn, now: float) -> bool:
        age = now - turn.started
        return (turn.records >= self.session_records and age >= self.session_min_s) or age >= self.session_max_s

    def _any_live(self, now: float) -> bool:
        return self._waiting.live_count(now) > 0

    def _holding_ahead(self, station: str, now: float, *, stop_at: int, polite: bool) -> int:
        """Waiters before `station` (all of them if it is not in the list) that hold a free
        turn against it: none against a station asking when told; every due one against an
        early or new one."""
        if polite:
            return 0
        ahead = 0
        for code, waiter in self._waiting.items():
            if code == station or ahead >= stop_at:
                break
            if waiter.holds(now):
                ahead += 1
        return ahead

    def _free(self) -> int:
        """Turns that may start now: none while the work queue is crowded (see Traps)."""
        if self._turns and self.crowded():
            self._crowded_at = self.clock()
            return 0
        return self.max_sessions - len(self._turns)

    def _retry_after(self, ahead: int, now: float) -> int:
        free = self._free()
        if free <= 0 or now - self._crowded_at < CROWDED_MEMORY_S:
            # the work slots limit the turns (or all are taken): the turns that turn are
            # those running; the crowded signal flickers as the slots' queue drains, and
            # counting every idle turn between two flickers told stations to come back
            # several times too soon (they were then refused again)
            turning, free = max(1, len(self._turns)), 0
        else:
            turning = self.max_sessions
        needed = ahead / self.line_share() + 1 - free  # turns that must end here first (see the docstring)
        seconds = max(1.0, needed) * self._turn_s / turning
        return max(1, min(self.max_retry_after_s, math.ceil(seconds)))

    def turn_seconds(self) -> float:
        """The moving average length of a full turn (what Retry-After is computed from)."""
        return self._turn_s

    def _refuse(self, station: str, now: float, *, fresh: bool, why: str = "sessions_full") -> Shed:
        """Refuse `station` and put it in line. `why` (for /metrics) when it is not a
        turn ending: every turn taken (sessions_full), a free turn held for a waiter
        ahead (turn_held), or no new turn while the work slots are crowded (crowded)."""
        waiter = None if fresh else self._waiting.get(station)
        if waiter is None and len(self._waiting) >= self.max_waiters:
            self._forget_missed(now)
        if waiter is None and len(self._waiting) >= self.max_waiters:
            log.warning("busy: the waiting list is full (%d); %s is not remembered", self.max_waiters, station)
            return Shed("waiting_list_full", "the centre is full; retry later", self.max_retry_after_s)
        ahead = self._waiting.live_ahead(station, now)
        seconds = self._retry_after(ahead, now)
        if waiter is None:  # new, or to the back of the line (fresh)
            waiter = _Waiter(first=now, seen=now, due=now + seconds)
            self._waiting.put(station, waiter, now)
        else:
            waiter.seen, waiter.due = now, now + seconds
            self._waiting.refreshed(station, waiter, now)
        return Shed(
            "turn_over" if fresh else why,
            f"the centre is serving as many stations as it can; {ahead} wait before this one",
            seconds,
            first=waiter.first,
        )

    def line_share(self) -> float:
        """How many processes the stations in this list are shared by: N when returns reach
        a process at random (every list holds nearly every waiter, each process serves 1/N
        of them), 1 when stations keep their connection to one process (each list holds its
        own). Measured, not assumed: 1 + N x the share of returning stations whose ticket
        another process issued."""
        n = self.line_shared_by
        return 1.0 if n <= 1 else min(float(n), 1.0 + self._foreign * n)

    def _count_ticket(self, station: str, since: float) -> None:
        """A station came back with its ticket: was it issued here (its place here)?"""
        waiter = self._waiting.get(station)
        own = waiter is not None and abs(waiter.first - since) <= OWN_TICKET_S
        self._foreign += SHARE_EWMA * ((0.0 if own else 1.0) - self._foreign)

    def _place(self, station: str, since: float, now: float) -> None:
        """Put `station` in line at `since` (a ticket's first refusal), unless it already
        stands there or earlier; the list stays in order of first refusal."""
        since = min(since, now)
        if since <= self._admitted.get(station, float("-inf")):
            return  # a place it has had its turn for since: replaying the ticket earns nothing
        waiter = self._waiting.get(station)
        if waiter is not None and waiter.first <= since:
            return
        if waiter is None:
            if len(self._waiting) >= self.max_waiters:
                return  # no room: refused and remembered (or not) as anyone else would be
            waiter = _Waiter(first=since, seen=now, due=now)  # here now: due
        waiter.first = since
        self._waiting.put(station, waiter, now)

    def _end_full(self, station: str, turn: _Turn, now: float) -> None:
        """End a turn its records used up; its length feeds the turn length Retry-After uses
        (a turn ended by silence does not: it says nothing of how fast turns go)."""
        self._turn_s += TURN_EWMA * (now - turn.started - self._turn_s)
        self._end(station, now)

    def _end(self, station: str, now: float) -> None:
        if self._turns.pop(station, None) is not None:
            self._ended.append(now)

    def _forget_missed(self, now: float) -> None:
        for code in [c for c, w in self._waiting.items() if not w.live(now)]:
            self._waiting.remove(code)

    def _heard(self, station: str, turn: _Turn, now: float) -> None:
        """`station`'s turn was heard from now: it moves to the end of the turns, which
        so stay in order of when each was last heard from (see _sweep)."""
        turn.last_seen = now
        self._turns[station] = self._turns.pop(station)

    def _sweep(self, now: float) -> None:
        """End the turns gone silent, at every call: they are at the front of the turns
        (kept in order of last heard from), so only those and the first still heard are
        looked at. Before, a refusal with no turn free forced a sweep that walked every
        turn and every waiter. Forget long-gone waiters at most every SWEEP_EVERY_S (that
        walks the list)."""
        silent = []
        for code, turn in self._turns.items():
            if now - turn.last_seen <= self.session_idle_s:
                break
            if turn.inflight == 0:
                silent.append(code)
        for code in silent:
            self._end(code, now)
        if now - self._swept < SWEEP_EVERY_S:
            return
        self._swept = now
        for code in [c for c, w in self._waiting.items() if now - w.seen > WAITER_TTL_S]:
            self._waiting.remove(code)
