"""What is on the simulated sensor glass, and when.

Three ways a finger gets there, checked in this order:
* manual - ``present(placement)`` from a test or a trainer; stays until ``remove()``;
* queued - placements handed in advance; each appears after `appear_after`
  no-finger polls and lifts once the host has taken its image;
* auto - for a training technician: a finger appears shortly after GenImg polling
  starts, the next finger after the previous one was captured.

Auto mode walks through the ten fingers of one synthetic resident, then the next
resident (seed + 1). The finger index advances when a placement is lifted after
progress was made on it (a good image uploaded, or RegModel/Store/Search done), so
a poor placement is retried with the same finger, and the two placements of a
module-side enrollment (Img2Tz 1, Img2Tz 2, RegModel) are the same finger.

Traps: the host cannot tell the module "this is a new finger", so a placement also
lifts when polling pauses for more than `idle_reset_s` (the resident walked away)
or has been held for `hold_polls` polls without being taken.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    seed: int
    finger: int
    quality: float = 1.0
    latent: bool = False  # a print left on dirty glass, not a live finger


class Platen:
    def __init__(
        self,
        *,
        seed: int = 1,
        auto: bool = True,
        appear_after: int = 3,
        hold_polls: int = 40,
        idle_reset_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self.auto = auto
        self.appear_after = appear_after
        self.hold_polls = hold_polls
        self.idle_reset_s = idle_reset_s
        self._clock = clock
        self._manual: Placement | None = None
        self._queue: deque[Placement] = deque()
        self._current: Placement | None = None
        self._from_auto = False
        self._taken = False
        self._progress = False
        self._empty_polls = 0
        self._held_polls = 0
        self._last_poll = -1e9
        self.resident = seed
        self.finger = 1
        self._attempt = 0
        self._rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x504C4154])
        self.ghost: Placement | None = None  # set by the ghost_finger fault

    # --- control API (any thread) ------------------------------------------------

    def present(self, placement: Placement) -> None:
        with self._lock:
            self._manual = placement

    def remove(self) -> None:
        with self._lock:
            self._manual = None
            self._lift()

    def enqueue(self, placements: Iterable[Placement]) -> None:
        with self._lock:
            self._queue.extend(placements)

    def set_auto(self, on: bool) -> None:
        with self._lock:
            self.auto = on

    # --- module side (simulator thread) ------------------------------------------

    def poll(self) -> Placement | None:
        """One GenImg: what the sensor sees now."""
        with self._lock:
            now = self._clock()
            idle = now - self._last_poll > self.idle_reset_s
            self._last_poll = now
            if self._manual is not None:
                return self._manual
            if self._current is not None and (self._taken or idle or self._held_polls >= self.hold_polls):
                self._lift()
            if self._current is not None:
                self._held_polls += 1
                return self._current
            if idle:
                self._empty_polls = 0
            self._empty_polls += 1
            if self._empty_polls > self.appear_after:
                self._current = self._next_placement()
                self._held_polls = 1 if self._current else 0
            if self._current is None:
                return self.ghost
            return self._current

    def image_taken(self, uploaded: bool) -> None:
        """The host took the image (UpImage, or Img2Tz for `uploaded=False`)."""
        with self._lock:
            placement = self._current
            if placement is None:
                return
            self._taken = True
            if uploaded and self._from_auto and placement.quality >= 0.5:
                self._progress = True

    def enrolled(self) -> None:
        """RegModel, Store or Search succeeded: the finger has been used."""
        with self._lock:
            self._progress = True

    def _next_placement(self) -> Placement | None:
        self._taken = False
        self._from_auto = False
        if self._queue:
            return self._queue.popleft()
        if not self.auto:
            return None
        self._from_auto = True
        good = self._rng.random() >= 0.2 or self._attempt >= 1
        quality = float(self._rng.uniform(0.75, 1.0) if good else self._rng.uniform(0.2, 0.35))
        return Placement(self.resident, self.finger, round(quality, 2))

    def _lift(self) -> None:
        if self._current is None:
            return
        if self._from_auto:
            if self._progress:
                self._attempt = 0
                self.finger += 1
                if self.finger > 10:
                    self.finger, self.resident = 1, self.resident + 1
            else:
                self._attempt += 1
        self._current = None
        self._progress = False
        self._taken = False
        self._empty_polls = 0
        self._held_polls = 0
