"""The window's garbage-collection policy: full collections only while the counter idles.

Python's cycle collector runs a full (oldest-generation) collection at some
allocation in the middle of an enrollment, on whichever thread allocates, and holds
the GIL while it walks every tracked object: measured 25-90 ms of frozen window.
The young generations still run as usual; the full one is left to `tidy_heap`, which
runs while the counter is idle between residents (README, "Keeping the window
responsive"), and freezes what survives so that later collections skip the app's
long-lived objects.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (700, 10, 100_000)


def install_policy() -> None:
    """Young generations as usual; the oldest one practically never on its own."""
    gc.set_threshold(*GC_THRESHOLDS)


def tidy_heap() -> None:
    """A full collection now, while nobody waits for the window; freeze the survivors."""
    gc.collect()
    gc.freeze()
