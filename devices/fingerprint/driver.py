"""Ef01Scanner: the station's driver for EF01 (ZFM/R30x/R503/AS608) fingerprint modules.

It reaches the module through pyserial's ``serial_for_url``, so a device path, a pty
(the simulator) and a ``socket://host:port`` bridge all work. Exactly one I/O
thread per port (PortThread) does every open, read and write; each method that talks
to the module is marked `@on_io_thread` (devices.iothread), so its body runs on that
thread and the caller waits with a timeout: a dead module never hangs the caller.

Traps:
* a module at another baud sends garbage, or stays silent: during the handshake
  the driver then tries other bauds (9600 x N) and reports ``fingerprint.wrong_baud``
  naming the one the module answers at (real serial ports only, not socket://);
* GenImg that finds a finger before the resident was asked for one is first taken
  for a finger still resting there (a capture switched to another finger, a resident
  who pressed early): the driver asks to lift it and waits `lift_timeout_s`; only a
  "finger" that never lifts is a ghost (dirty glass or a latent print):
  ``fingerprint.ghost_finger``;
* LED commands exist only on R503-class modules; an "unsupported" answer (or none)
  turns the LED off for the rest of the session and is never an error.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from common.biometrics import FingerPosition
from common.progress import CancelToken, Progress, no_progress
from common.text import DEFAULT_LANGUAGE, Text
from devices.base import (
    DeviceError,
    DeviceInfo,
    DeviceKind,
    DeviceProtocolError,
    DeviceTimeout,
    SelfTestStep,
    StepCallback,
)
from devices.fingerprint import errors, protocol, quality
from devices.fingerprint.protocol import Ins, Led, SysParams
from devices.fingerprint.session import OK, PORT_READ_TIMEOUT_S, Ef01Session
from devices.iothread import PortThread, on_io_thread
from devices.kinds import FingerCapture, FingerprintScanner

try:
    import serial
except ImportError:  # pragma: no cover - reported by the registry as a reason string
    serial = None
try:
    import termios

    # pyserial raises SerialException (an OSError) or, from tcflush, a bare termios.error.
    PORT_FAILURES: tuple[type[BaseException], ...] = (OSError, termios.error)
except ImportError:  # pragma: no cover - Windows
    PORT_FAILURES = (OSError,)

if TYPE_CHECKING:
    from devices.fingerprint.simulator import SimulatorHandle

log = logging.getLogger(__name__)

T = TypeVar("T")

COMMON_BAUDS = (57600, 115200, 9600, 19200, 38400)
ALL_BAUDS = tuple(dict.fromkeys(COMMON_BAUDS + tuple(n * protocol.BAUD_UNIT for n in range(1, 13))))
SCAN_TIMEOUT_S = 0.2
LINK_ERRORS = frozenset(
    {
        "fingerprint.no_reply",
        "fingerprint.protocol",
        "fingerprint.bad_checksum",
        "fingerprint.slow_line",
        "fingerprint.wrong_baud",
    }
)


def serial_unavailable_reason() -> str | None:
    return None if serial is not None else "pyserial is not installed"


def encode_wsq(image: np.ndarray) -> bytes:
    """WSQ bytes of an 8-bit grey image (the `wsq` package registers the Pillow codec on import)."""
    import wsq  # noqa: F401  (import registers the WSQ format with Pillow)
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(out, format="WSQ")
    return out.getvalue()


# How long a finger found on the glass at the start of a capture may take to lift
# before it counts as a ghost (dirty glass).
LIFT_TIMEOUT_S = 2.0


class Ef01Scanner(FingerprintScanner):
    """One EF01 module on one port. Create, open(), use, close(); close() is safe twice.

    `simulator`, when given, is a SimulatorHandle this scanner owns: info() then says
    simulated and close() stops it. Command methods (gen_img, upload_image, img2tz,
    ...) are thin, named after the manual, and each runs on the port's I/O thread
    (`@on_io_thread`), where `_live()` is the open session.
    """

    def __init__(
        self,
        port: str,
        *,
        baud: int = protocol.DEFAULT_BAUD,
        password: int = protocol.DEFAULT_PASSWORD,
        address: int = protocol.DEFAULT_ADDRESS,
        timeout_s: float = 2.0,
        poll_interval_s: float = 0.05,
        driver_name: str = "ef01",
        simulator: SimulatorHandle | None = None,
        simulated: bool = False,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.port_name = port
        self.baud = baud
        self.password = password
        self.address = address
        self.timeout_s = timeout_s
        self.poll_interval_s = poll_interval_s
        self.lift_timeout_s = LIFT_TIMEOUT_S
        self.driver_name = driver_name
        self.simulator = simulator  # a SimulatorHandle this scanner owns and stops on close()
        self.simulated = simulated or simulator is not None
        self.language = language
        self.params: SysParams | None = None
        self.led_supported: bool | None = None
        self.platen_baseline: np.ndarray | None = None  # empty-glass image from the last self-test
        self._model = "EF01 module"
        self._serial = "unknown"
        self._firmware = "unknown"
        self._io: PortThread | None = None
        self._session: Ef01Session | None = None

    # --- plumbing --------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._session is not None

    def call_on_io(self, fn: Callable[[], T], timeout_s: float | None = None) -> T:
        """Run `fn()` on the port's I/O thread (what `@on_io_thread` calls); the wait is
        bounded, and a port that went away is `fingerprint.port_lost`."""
        session, io_thread = self._session, self._io
        if session is None or io_thread is None:
            raise errors.not_open(self.port_name)
        # Allow for the tail of an aborted upload that the next command waits out first.
        wait = (timeout_s if timeout_s is not None else self.timeout_s) + session.drain_pending_s + 2.0
        try:
            return io_thread.call(fn, timeout=wait)
        except PORT_FAILURES as exc:  # unplugged, or the pty went away
            raise errors.port_lost(self.port_name, str(exc) or type(exc).__name__) from exc

    def run(self, fn: Callable[[Ef01Session], T], *, timeout_s: float | None = None) -> T:
        """Run `fn(session)` on the port's I/O thread; the wait is bounded (a one-off
        command; the named commands below are `@on_io_thread` methods)."""
        return self.call_on_io(lambda: fn(self._live()), timeout_s)

    def _live(self) -> Ef01Session:
        """The open session (on the I/O thread: a close may have come in meanwhile)."""
        session = self._session
        if session is None:
            raise errors.not_open(self.port_name)
        return session

    def _open_port(self) -> Ef01Session:
        if serial is None:
            raise errors.port_unavailable(self.port_name, "pyserial is not installed")
        try:
            port = serial.serial_for_url(
                self.port_name, baudrate=self.baud, timeout=PORT_READ_TIMEOUT_S, write_timeout=2.0, exclusive=True
            )
        except (serial.SerialException, ValueError, OSError) as exc:
            raise errors.port_unavailable(self.port_name, str(exc)) from exc
        return Ef01Session(port, name=self.port_name, baud=self.baud, timeout_s=self.timeout_s, address=self.address)

    def open_port(self) -> None:
        """Open the transport only (the self-test's first step); no command is sent."""
        if self._session is not None:
            return
        self._io = PortThread(DeviceKind.FINGERPRINT, self.port_name)
        try:
            self._session = self._io.call(self._open_port, timeout=5.0)
        except BaseException:
            self._io.shutdown()
            self._io = None
            raise

    def open(self) -> None:
        if self._session is not None:
            return
        self.open_port()
        try:
            self.handshake()
            self.params = self.read_sys_para()
            self._read_identity()
        except BaseException:
            self.close_port()
            raise
        log.info("fingerprint scanner on %s: %s, %d templates", self.port_name, self._model, self.params.capacity)

    def handshake(self) -> None:
        """VfyPwd. A module at another baud sends garbage, or (more often) stays silent
        because it cannot read the command: either way, look for the baud it answers at.
        Garbage scans every 9600 x N; silence scans only the common rates, to keep a
        truly dead module from taking long to report."""
        try:
            self.verify_password()
        except DeviceProtocolError as exc:
            if exc.code != "fingerprint.protocol":
                raise
            detected = self._scan_all_bauds()
            raise errors.wrong_baud(self.port_name, self.baud, detected) from exc
        except DeviceTimeout as exc:
            if exc.code != "fingerprint.no_reply":
                raise
            detected = self._scan_common_bauds()
            if detected is None:
                raise
            raise errors.wrong_baud(self.port_name, self.baud, detected) from exc

    @on_io_thread()
    def verify_password(self) -> None:
        self._live().verify_password(self.password)

    @on_io_thread(timeout_s=15.0)
    def _scan_all_bauds(self) -> int | None:
        return self._scan_baud(self._live(), ALL_BAUDS)

    @on_io_thread(timeout_s=5.0)
    def _scan_common_bauds(self) -> int | None:
        return self._scan_baud(self._live(), COMMON_BAUDS)

    def _scan_baud(self, session: Ef01Session, candidates: Sequence[int]) -> int | None:
        if serial is None or not isinstance(session.port, serial.Serial):
            return None  # socket:// and other URLs have no baud to change
        try:
            for baud in candidates:
                if baud == self.baud:
                    continue
                session.port.baudrate = baud
                try:
                    session.transact(Ins.VFY_PWD, self.password.to_bytes(4, "big"), timeout_s=SCAN_TIMEOUT_S)
                except DeviceError:
                    continue
                log.info("%s: module answers at %d baud, station set to %d", self.port_name, baud, self.baud)
                return baud
            return None
        finally:
            session.port.baudrate = self.baud
            session.flush_input()

    @on_io_thread(timeout_s=3.0)
    def _identify(self) -> tuple[dict[str, str] | None, str | None]:
        session = self._live()
        return session.read_prod_info(), session.read_text(Ins.GET_FW_VER)

    def _read_identity(self) -> None:
        prod, firmware = self._identify()
        if prod:
            self._model = prod.get("model") or self._model
            self._serial = prod.get("serial") or self._serial
        elif self.params is not None:
            self._model = f"EF01 module ({self.params.capacity} templates)"
            self._serial = f"unknown (address {self.params.address:08X})"
        self._firmware = firmware or self._firmware

    def close_port(self) -> None:
        """Release the port but keep an owned simulator running (the self-test reopens later)."""
        session, io_thread = self._session, self._io
        self._session, self._io = None, None
        if session is not None and io_thread is not None:
            try:
                io_thread.call(session.port.close, timeout=2.0)
            except Exception as exc:  # closing must never fail the caller
                log.warning("closing %s from its I/O thread failed (%s); closing it here", self.port_name, exc)
                try:
                    session.port.close()
                except Exception:
                    log.warning("closing %s failed", self.port_name, exc_info=True)
        if io_thread is not None:
            io_thread.shutdown()

    def close(self) -> None:
        self.close_port()
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None

    def info(self) -> DeviceInfo:
        extra: dict[str, Any] = {"baud": self.baud, "led": self.led_supported}
        if self.params is not None:
            extra.update(
                capacity=self.params.capacity,
                packet_size=self.params.packet_size,
                security_level=self.params.security_level,
            )
        return DeviceInfo(
            kind=DeviceKind.FINGERPRINT,
            driver=self.driver_name,
            model=self._model,
            serial=self._serial,
            firmware=self._firmware,
            port=self.port_name,
            simulated=self.simulated,
            extra=extra,
        )

    # --- commands (each on the I/O thread) ---------------------------------------------

    @on_io_thread()
    def read_sys_para(self) -> SysParams:
        return self._live().read_sys_para()

    @on_io_thread()
    def gen_img(self) -> int:
        """0x00 finger, 0x02 no finger, 0x03 capture failed."""
        return self._live().gen_img()

    @on_io_thread(timeout_s=lambda self, **_: 3 * protocol.line_seconds(protocol.up_image_bytes(), self.baud) + 4.0)
    def upload_image(self, *, cancel: CancelToken | None = None) -> np.ndarray:
        return self._live().up_image(cancel=cancel)

    @on_io_thread()
    def img2tz(self, buffer: int) -> int:
        return self._live().img2tz(buffer)

    @on_io_thread()
    def reg_model(self) -> bool:
        return self._live().reg_model()

    @on_io_thread()
    def match(self) -> tuple[bool, int]:
        return self._live().match()

    @on_io_thread()
    def search(
        self, buffer: int = 1, start: int = 0, count: int | None = None, *, high_speed: bool = False
    ) -> tuple[int, int] | None:
        n = count if count is not None else (self.params.capacity if self.params else 1000)
        return self._live().search(buffer, start, n, high_speed=high_speed)

    @on_io_thread()
    def store(self, buffer: int, page: int) -> None:
        self._live().store(buffer, page)

    @on_io_thread()
    def load_char(self, buffer: int, page: int) -> None:
        self._live().load_char(buffer, page)

    @on_io_thread()
    def delete_templates(self, page: int, count: int = 1) -> None:
        self._live().delete_char(page, count)

    @on_io_thread()
    def empty_library(self) -> None:
        self._live().empty()

    @on_io_thread()
    def template_count(self) -> int:
        return self._live().templete_num()

    @on_io_thread()
    def read_index_table(self, page: int) -> list[int]:
        return self._live().read_index_table(page)

    @on_io_thread()
    def up_char(self, buffer: int) -> bytes:
        return self._live().up_char(buffer)

    @on_io_thread()
    def set_sys_para(self, number: int, value: int) -> None:
        """SetSysPara; after a baud change (param 4) the port follows the module."""
        session = self._live()
        session.set_sys_para(number, value)
        if number == protocol.SysParam.BAUD:
            self.baud = value * protocol.BAUD_UNIT
            session.port.baudrate = self.baud
            session.baud = self.baud
            session.flush_input()

    @on_io_thread()
    def check_sensor(self) -> bool | None:
        return self._live().check_sensor()

    @on_io_thread(timeout_s=1.0)
    def _aura_led(self, ctrl: int, colour: int, speed: int, times: int) -> bool:
        return self._live().aura_led(ctrl, speed, colour, times)

    def set_led(self, ctrl: int, colour: int = Led.BLUE, speed: int = 100, times: int = 0) -> bool:
        """AuraLedConfig; silently False on modules without the LED ring."""
        if self.led_supported is False or not self.is_open:
            return False
        try:
            ok = self._aura_led(ctrl, colour, speed, times)
        except DeviceError as exc:
            log.info("%s: LED command failed (%s); LED disabled", self.port_name, exc.code)
            ok = False
        self.led_supported = ok
        return ok

    def _led_off_after(self, exc: BaseException) -> None:
        """Turn the LED off after a failed capture, unless the link is the problem
        (a dead line or the tail of an aborted upload would only delay the error)."""
        link_failed = isinstance(exc, DeviceError) and exc.code in LINK_ERRORS
        session = self._session
        if link_failed or session is None or session.drain_pending_s:
            return
        self.set_led(Led.OFF, Led.BLUE)

    # --- capture ------------------------------------------------------------------------

    def _say(self, text: Text) -> str:
        return text.get(self.language)

    def _poll_until(self, want_finger: bool, timeout_s: float, cancel: CancelToken) -> bool:
        """Poll GenImg until a finger is (or is no longer) on the glass; False on timeout."""
        polls = max(1, int(timeout_s / max(self.poll_interval_s, 0.001)) + 1)
        deadline = time.monotonic() + timeout_s
        for _ in range(polls * 4):  # bounded even if each poll returns at once
            cancel.raise_if_cancelled()
            code = self.gen_img()
            if (code == OK) == want_finger and code != 0x03:
                return True
            if time.monotonic() >= deadline:
                return False
            cancel.wait(self.poll_interval_s)
        return False

    def capture_finger(
        self,
        position: FingerPosition,
        *,
        attempts: int = 3,
        timeout_s: float = 15.0,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
        on_attempt: Callable[[int, np.ndarray, float], None] | None = None,
    ) -> FingerCapture:
        if not self.is_open:
            raise errors.not_open(self.port_name)
        cancel = cancel or CancelToken()
        attempts = max(1, attempts)
        if self.gen_img() == OK:
            progress(None, self._say(Text("Angkat jari dari kaca pemindai", "Lift the finger off the glass")))
            if not self._poll_until(False, self.lift_timeout_s, cancel):
                raise errors.ghost_finger(self.port_name)
        best: tuple[float, np.ndarray, quality.QualityReport] | None = None
        taken = 0
        try:
            for attempt in range(1, attempts + 1):
                label = position.label
                progress(
                    (attempt - 1) / attempts,
                    self._say(Text(f"Letakkan {label.id.lower()}", f"Place the {label.en.lower()}")),
                )
                self.set_led(Led.BREATHE, Led.BLUE)
                if not self._poll_until(True, timeout_s, cancel):
                    if best is not None:
                        break  # keep what we have rather than lose it
                    raise errors.timeout_no_finger(self.port_name, timeout_s)
                self.set_led(Led.ON, Led.PURPLE)
                progress((attempt - 0.5) / attempts, self._say(Text("Mengambil gambar...", "Reading the image...")))
                image = self.upload_image(cancel=cancel)
                report = quality.assess(image)
                taken = attempt
                log.info("%s: %s attempt %d quality %.1f", self.port_name, position.name, attempt, report.score)
                if on_attempt is not None:
                    on_attempt(attempt, image, report.score)
                if best is None or report.score > best[0]:
                    best = (report.score, image, report)
                if report.score >= self.quality_threshold:
                    self.set_led(Led.FLASH, Led.GREEN, times=2)
                    break
                self.set_led(Led.FLASH, Led.RED, times=2)
                if attempt < attempts:
                    progress(
                        attempt / attempts,
                        self._say(Text("Angkat jari, lalu letakkan lagi", "Lift the finger, then place it again")),
                    )
                    self._poll_until(False, timeout_s, cancel)
        except BaseException as exc:
            self._led_off_after(exc)
            raise
        self.set_led(Led.OFF, Led.BLUE)
        assert best is not None
        score, image, report = best
        progress(1.0, self._say(Text("Selesai", "Done")))
        return FingerCapture(
            position=position,
            image=image,
            wsq=encode_wsq(image),
            quality=score,
            quality_components=report.components(),
            attempts=taken,
            device=self.info(),
        )

    # --- self-test ------------------------------------------------------------------------

    def self_test(
        self,
        *,
        on_step: StepCallback | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
    ) -> Sequence[SelfTestStep]:
        from devices.fingerprint.selftest import run_self_test

        return run_self_test(self, on_step=on_step, cancel=cancel, progress=progress)
