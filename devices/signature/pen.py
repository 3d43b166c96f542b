"""Follow the pen: packets become PenPoints and strokes, and faults leave evidence.

The same tracker serves a capture and the self-test, so both judge a pad the same way:

* stuck tip: the tip bit with no proximity (impossible for a working pen), or pressure that
  does not change by a single unit over a long run of tip-down packets. A pen that moves
  while its pressure stays exactly constant is a stuck switch, not a hand; a pen held still
  for seconds at exactly one value is one too.
* dead zone: within one stroke (the tip never lifted) the pen "jumps" much further between
  two packets than it has been moving: the packets in between were never sent because part
  of the surface does not sense the pen. Trap: host timing is useless here (bulk reads
  deliver packets in bursts), so the test is spatial: a step several times the stroke's
  recent median step and at least 3 % of the pad's longer side.
* coverage: which cells of a 4 x 4 grid and which corners the ink reached (self-test).
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import deque
from dataclasses import dataclass

from devices.kinds import PenPoint
from devices.signature.protocol import PenPacket

log = logging.getLogger(__name__)

GRID = 4
CORNER_ZONE = 0.10  # a corner counts as reached within this fraction of both edges
JUMP_MIN = 0.03  # of the pad's longer side
JUMP_FACTOR = 4.0  # times the stroke's recent median step
STUCK_MOVING_RUN = 40  # tip packets at one exact pressure while the pen moves ...
STUCK_MOVING_DIST = 0.02  # ... at least this far (fraction of the longer side)
STUCK_STILL_RUN = 400  # or this many at one exact pressure, moving or not (3 s at 133/s)
STUCK_NO_PROX = 3  # tip-without-proximity packets


@dataclass(frozen=True)
class Jump:
    """Where a stroke skipped: the last point before and the first point after the gap."""

    before: tuple[float, float]
    after: tuple[float, float]
    distance: float  # fraction of the pad's longer side

    def describe(self) -> str:
        return (
            f"x {self.before[0]:.2f}->{self.after[0]:.2f}, y {self.before[1]:.2f}->{self.after[1]:.2f} "
            f"({self.distance:.0%} of the pad)"
        )


class PenTracker:
    def __init__(self, pad_max: tuple[int, int, int]) -> None:
        self.x_max, self.y_max, self.p_max = (max(1, v) for v in pad_max)
        longest = float(max(self.x_max, self.y_max))
        self._sx, self._sy = self.x_max / longest, self.y_max / longest
        self.strokes: list[list[PenPoint]] = []
        self.packets = 0
        self.hover_packets = 0
        self.tip_packets = 0
        self.prox_out_packets = 0
        self.tip_without_prox = 0
        self.tip_on_arrival = 0  # proximity sessions whose very first packet already had the tip down
        self.last_ink_t: float | None = None
        self.jumps: list[Jump] = []
        self.cells: set[tuple[int, int]] = set()
        self.corners: set[str] = set()
        self.pressures: set[int] = set()
        self._in_prox = False
        self._in_stroke = False
        self._steps: deque[float] = deque(maxlen=16)
        self._run_pressure = -1
        self._run_len = 0
        self._run_dist = 0.0
        self._stuck: str | None = None

    @property
    def has_ink(self) -> bool:
        return self.last_ink_t is not None

    @property
    def ink_points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def add(self, pkt: PenPacket, t: float) -> PenPoint | None:
        """Record one packet received at `t`; return its point, or None when the pen left proximity."""
        self.packets += 1
        if not pkt.proximity:
            self.prox_out_packets += 1
            if pkt.tip:
                self.tip_without_prox += 1
                if self.tip_without_prox >= STUCK_NO_PROX and self._stuck is None:
                    self._stuck = f"tip reported out of proximity {self.tip_without_prox} times"
            self._in_prox = False
            self._end_stroke()
            return None
        point = PenPoint(pkt.x / self.x_max, pkt.y / self.y_max, pkt.pressure / self.p_max, t, pkt.tip)
        if not self._in_prox and pkt.tip:
            self.tip_on_arrival += 1
        self._in_prox = True
        if not pkt.tip:
            self.hover_packets += 1
            self._end_stroke()
            return point
        self.tip_packets += 1
        self.pressures.add(pkt.pressure)
        self._add_ink(point, pkt.pressure)
        return point

    def _end_stroke(self) -> None:
        self._in_stroke = False
        self._steps.clear()
        self._run_len = 0
        self._run_dist = 0.0

    def _add_ink(self, point: PenPoint, pressure: int) -> None:
        step = 0.0
        if self._in_stroke:
            prev = self.strokes[-1][-1]
            step = math.hypot((point.x - prev.x) * self._sx, (point.y - prev.y) * self._sy)
            if len(self._steps) >= 4 and step > max(JUMP_MIN, JUMP_FACTOR * statistics.median(self._steps)):
                self.jumps.append(Jump((prev.x, prev.y), (point.x, point.y), step))
                log.debug("stroke jumped %s", self.jumps[-1].describe())
            else:
                self._steps.append(step)
            self.strokes[-1].append(point)
        else:
            self.strokes.append([point])
            self._in_stroke = True
        self.last_ink_t = point.t
        self._note_pressure(pressure, step)
        self._note_coverage(point)

    def _note_pressure(self, pressure: int, step: float) -> None:
        if pressure == self._run_pressure:
            self._run_len += 1
            self._run_dist += step
        else:
            self._run_pressure, self._run_len, self._run_dist = pressure, 1, 0.0
        if self._stuck is not None:
            return
        if self._run_len >= STUCK_MOVING_RUN and self._run_dist >= STUCK_MOVING_DIST:
            self._stuck = (
                f"pressure stayed at exactly {pressure}/{self.p_max} for {self._run_len} packets "
                f"while the pen moved {self._run_dist:.0%} of the pad"
            )
        elif self._run_len >= STUCK_STILL_RUN:
            self._stuck = f"pressure stayed at exactly {pressure}/{self.p_max} for {self._run_len} packets"

    def _note_coverage(self, p: PenPoint) -> None:
        if not (0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0):
            return
        self.cells.add((min(GRID - 1, int(p.x * GRID)), min(GRID - 1, int(p.y * GRID))))
        lo, hi = CORNER_ZONE, 1.0 - CORNER_ZONE
        if (p.x <= lo or p.x >= hi) and (p.y <= lo or p.y >= hi):
            self.corners.add(("top" if p.y <= lo else "bottom") + "-" + ("left" if p.x <= lo else "right"))

    def stuck_reason(self) -> str | None:
        """Why the tip looks stuck, in technician's words (English, for `measured`), or None."""
        return self._stuck

    def missing_corners(self) -> list[str]:
        return [c for c in ("top-left", "top-right", "bottom-left", "bottom-right") if c not in self.corners]
