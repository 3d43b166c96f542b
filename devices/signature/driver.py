"""The ISDV4 signature pad driver: open, capture a signature as vectors, self-test.

A capture sends ``1``, turns pen packets into PenPoints as they arrive (delivered live to
`on_point`, hover points too with ``tip=False``, so a live view knows where strokes break)
and stops with ``0`` when `done` is set, when the pen has written nothing for
`idle_finish_s` after some ink, at `timeout_s`, or on cancel. Faults found on the way end
the capture with their own code: a stuck tip, a dead zone, too much line noise.

Timestamps: ISDV4 packets carry no time, and bulk reads deliver them in bursts, so the
packets of one read are spread back from its arrival time at the line's packet spacing
(never earlier than the previous point). That keeps stroke timing smooth without
pretending to a precision the link does not have.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from common.errors import Cancelled
from common.progress import CancelToken, Progress, no_progress
from devices.base import DeviceError, DeviceInfo, DeviceKind, SelfTestStep, StepCallback
from devices.kinds import PenPoint, SignatureCapture, SignaturePad
from devices.signature.errors import DEAD_ZONE, NOISE, PROTOCOL, REJECTED_EMPTY, STUCK_TIP, signature_error
from devices.signature.link import Isdv4Link, LinkTiming, SerialFactory, rates_to_try
from devices.signature.pen import PenTracker
from devices.signature.protocol import BAUD_PEN, PenPacket, StreamParser, line_packet_rate
from devices.signature.render import render_png
from devices.signature.simulator import Isdv4Simulator
from devices.signature.strokes import DEFAULT_BOX, SigningBox, signature_problems

log = logging.getLogger(__name__)

NOISE_MIN_BYTES = 24  # a handful of stray bytes on plugging in is normal ...
NOISE_MAX_RATIO = 0.02  # ... but not more than this share of everything received
DEAD_ZONE_JUMPS = 2  # skips within strokes before a capture blames the surface


def noise_exceeded(bad_bytes: int, total_bytes: int) -> bool:
    return bad_bytes >= NOISE_MIN_BYTES and bad_bytes > NOISE_MAX_RATIO * total_bytes


class Isdv4Pad(SignaturePad):
    """A Wacom ISDV4 (W8001) pen digitizer on a serial port, pty or ``socket://`` URL.

    `options` (from DeviceSettings.options): ``query_timeout_s``, ``settle_s``,
    ``read_slice_s``, ``selftest_wait_s`` and ``box`` (left, top, right, bottom fractions).
    """

    def __init__(
        self,
        port: str,
        *,
        baud: int | None = None,
        options: Mapping[str, Any] | None = None,
        simulator: Isdv4Simulator | None = None,
        serial_factory: SerialFactory | None = None,
        driver_name: str = "isdv4",
    ) -> None:
        opts = dict(options or {})
        self.port = port
        self.baud_setting = baud
        self.simulator = simulator
        self.driver_name = driver_name
        self.timing = LinkTiming(
            query_timeout_s=float(opts.get("query_timeout_s", 1.0)),
            settle_s=float(opts.get("settle_s", 0.25)),
            read_slice_s=float(opts.get("read_slice_s", 0.02)),
        )
        self.selftest_wait_s = float(opts.get("selftest_wait_s", 8.0 if simulator else 30.0))
        box = opts.get("box")
        self.box = SigningBox(*box) if box else DEFAULT_BOX
        self._serial_factory = serial_factory
        self.link: Isdv4Link | None = None
        self._lock = threading.Lock()  # one capture or self-test at a time

    # --- Device ------------------------------------------------------------------------

    def open(self) -> None:
        if self.link is not None and self.link.is_open:
            return
        self.close_link()
        link = Isdv4Link(self.port, timing=self.timing, serial_factory=self._serial_factory)
        try:
            link.connect(rates_to_try(self.baud_setting))
        except BaseException:
            link.close()
            raise
        self.link = link

    def close_link(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None

    def close(self) -> None:
        self.close_link()
        if self.simulator is not None:
            self.simulator.stop()

    def info(self) -> DeviceInfo:
        reply = self.link.reply if self.link else None
        baud = self.link.baud if self.link else None
        sim = self.simulator is not None
        if baud is None:
            model = "Wacom ISDV4 (not queried yet)"
        elif baud == BAUD_PEN:
            model = "Wacom ISDV4 (tablet id 0x90, pen)"
        else:
            model = f"Wacom ISDV4 ({baud} baud profile, WACf008+ class, pen)"
        extra: dict[str, Any] = {"baud": baud}
        if reply is not None:
            extra.update(x_max=reply.x_max, y_max=reply.y_max, pressure_max=reply.pressure_max)
        if sim and self.simulator is not None:
            model = "Simulated " + model
            extra.update(fault=self.simulator.fault, seed=self.simulator.seed)
        return DeviceInfo(
            kind=DeviceKind.SIGNATURE,
            driver=self.driver_name,
            model=model,
            serial="unknown",  # the ISDV4 protocol carries no serial number
            firmware=str(reply.firmware) if reply else "unknown",
            port=self.port,
            simulated=sim,
            extra=extra,
        )

    def pad_max(self) -> tuple[int, int, int]:
        reply = self._require_link().reply
        assert reply is not None
        return reply.x_max, reply.y_max, reply.pressure_max

    def _require_link(self) -> Isdv4Link:
        self.open()
        assert self.link is not None
        return self.link

    # --- capture -----------------------------------------------------------------------

    def capture_signature(
        self,
        *,
        done: threading.Event | None = None,
        cancel: CancelToken | None = None,
        timeout_s: float = 60.0,
        idle_finish_s: float | None = 2.0,
        on_point: Callable[[PenPoint], None] | None = None,
    ) -> SignatureCapture:
        with self._lock:
            link = self._require_link()
            pad_max = self.pad_max()
            if not all(pad_max):
                raise signature_error(PROTOCOL, port=self.port, detail=f"pad reports zero range {pad_max}")
            session = StreamSession(link, pad_max, on_point=on_point)
            session.run(done=done, cancel=cancel, timeout_s=timeout_s, idle_finish_s=idle_finish_s, raise_faults=True)
            strokes = session.tracker.strokes
            if not strokes and session.timed_out:
                raise signature_error(REJECTED_EMPTY, port=self.port, detail=f"no ink within {timeout_s:.0f} s")
            problems = signature_problems(strokes, pad_max, self.box)
            if problems:
                raise signature_error(problems[0].code, port=self.port)
            return SignatureCapture(
                strokes=strokes,
                image_png=render_png(strokes, pad_max=pad_max),
                pad_max=pad_max,
                device=self.info(),
                extra=session.stats(),
            )

    # --- self-test ---------------------------------------------------------------------

    def self_test(
        self,
        *,
        on_step: StepCallback | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
    ) -> Sequence[SelfTestStep]:
        from devices.signature.selftest import run_self_test

        with self._lock:
            return run_self_test(self, on_step=on_step, cancel=cancel, progress=progress)


class StreamSession:
    """One run of the pen stream: start, read in bulk, track, stop. Used by capture and self-test."""

    def __init__(
        self, link: Isdv4Link, pad_max: tuple[int, int, int], *, on_point: Callable[[PenPoint], None] | None = None
    ) -> None:
        self.link = link
        self.parser = StreamParser()
        self.tracker = PenTracker(pad_max)
        self.on_point = on_point
        self.timed_out = False
        self.seconds = 0.0
        self.elapsed = 0.0  # seconds since the stream started, updated every read
        self.first_packet_s: float | None = None
        self._interval = 1.0 / line_packet_rate(link.baud or BAUD_PEN)
        self._last_t = 0.0

    def run(
        self,
        *,
        done: threading.Event | None = None,
        cancel: CancelToken | None = None,
        timeout_s: float,
        idle_finish_s: float | None = None,
        raise_faults: bool = False,
        finished: Callable[[StreamSession], bool] | None = None,
    ) -> None:
        """Stream until done, idle, `finished(self)`, timeout or cancel; always sends ``0`` on the way out."""
        start = time.monotonic()
        self.link.start()
        try:
            while True:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled()
                now = self.elapsed = time.monotonic() - start
                if done is not None and done.is_set():
                    break
                if now >= timeout_s:
                    self.timed_out = True
                    break
                last_ink = self.tracker.last_ink_t
                if idle_finish_s is not None and last_ink is not None and now - last_ink >= idle_finish_s:
                    break
                if finished is not None and finished(self):
                    break
                self._take(self.link.read(), time.monotonic() - start)
                if raise_faults:
                    self._raise_on_fault()
        finally:
            self.seconds = time.monotonic() - start
            try:
                self.link.stop()
            except DeviceError as exc:
                log.warning("stopping the pen stream on %s: %s", self.link.port, exc)

    def _take(self, data: bytes, arrived: float) -> None:
        if not data:
            return
        pens = [p for p in self.parser.feed(data) if isinstance(p, PenPacket)]
        if pens and self.first_packet_s is None:
            self.first_packet_s = arrived
        for i, pkt in enumerate(pens):
            t = max(self._last_t, arrived - (len(pens) - 1 - i) * self._interval)
            self._last_t = t
            point = self.tracker.add(pkt, t)
            if point is not None and self.on_point is not None:
                self.on_point(point)

    def _raise_on_fault(self) -> None:
        port = self.link.port
        stuck = self.tracker.stuck_reason()
        if stuck:
            raise signature_error(STUCK_TIP, port=port, detail=stuck)
        if len(self.tracker.jumps) >= DEAD_ZONE_JUMPS:
            raise signature_error(
                DEAD_ZONE, port=port, detail=f"{len(self.tracker.jumps)} skips, e.g. {self.tracker.jumps[0].describe()}"
            )
        if noise_exceeded(self.parser.bad_bytes, self.parser.bytes_total):
            raise signature_error(
                NOISE, port=port, detail=f"{self.parser.bad_bytes} bad of {self.parser.bytes_total} bytes"
            )

    def stats(self) -> dict[str, float]:
        baud = self.link.baud or BAUD_PEN
        return {
            "packets": float(self.tracker.packets),
            "stream_seconds": self.seconds,
            "line_packets_per_s": line_packet_rate(baud),
            "noise_bytes": float(self.parser.bad_bytes),
            "bytes": float(self.parser.bytes_total),
            "baud": float(baud),
        }
