"""Synchronous EF01 commands over one open port. Call only from the port's I/O thread.

Ef01Scanner (driver.py) owns the thread and submits these methods to it; tests of
the wire may call them directly. Every read has a deadline; reads are in bulk (as
many bytes as are waiting, never one at a time), which is what lets an image upload
run at the line rate.

Traps: a reply to an earlier, timed-out command may still arrive, so each command
flushes the input first; after a protocol error the input is flushed again, so the
next command starts clean. An error ACK may be shorter than table 1.3 says, so the
exact length is enforced only for successful replies.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from common.progress import CancelToken
from devices.fingerprint import errors, protocol
from devices.fingerprint.protocol import ACK_BYTES, IMAGE_BYTES, Ins, Packet, PacketReader, Pid, SysParams

log = logging.getLogger(__name__)

PORT_READ_TIMEOUT_S = 0.05  # pyserial's own read timeout; our deadlines are built on top of it
OK, NO_FINGER, IMAGE_FAILED = 0x00, 0x02, 0x03


class Ef01Session:
    def __init__(
        self,
        port: Any,
        *,
        name: str,
        baud: int,
        timeout_s: float = 2.0,
        address: int = protocol.DEFAULT_ADDRESS,
    ) -> None:
        self.port = port  # a pyserial port object (serial_for_url)
        self.name = name
        self.baud = baud
        self.timeout_s = timeout_s
        self.address = address
        self.packet_size = 128
        self.drain_pending_s = 0.0
        self.reader = PacketReader(self._read_some, port=name, address=address)

    def _read_some(self, need: int) -> bytes:
        waiting = self.port.in_waiting
        data: bytes = self.port.read(max(need, waiting))
        return data

    def flush_input(self) -> None:
        self.reader.clear()
        self.port.reset_input_buffer()

    def drain(self, quiet_s: float = 0.2, limit_s: float = 2.0) -> None:
        """Discard what the module is still sending until the line is quiet for `quiet_s`."""
        end = time.monotonic() + limit_s
        last = time.monotonic()
        while time.monotonic() < end and time.monotonic() - last < quiet_s:
            if self.port.read(max(1, self.port.in_waiting)):
                last = time.monotonic()
        self.flush_input()

    # --- framing -------------------------------------------------------------------

    def transact(self, ins: int, params: bytes = b"", *, timeout_s: float | None = None) -> Packet:
        """Send one command and return its ACK (any confirmation code)."""
        if self.drain_pending_s:
            pending, self.drain_pending_s = self.drain_pending_s, 0.0
            self.drain(limit_s=pending)
        self.flush_input()
        self.port.write(protocol.command(ins, params, self.address))
        self.port.flush()
        deadline = time.monotonic() + (timeout_s if timeout_s is not None else self.timeout_s)
        try:
            packet = self.reader.read_packet(deadline)
            while packet.pid in (Pid.DATA, Pid.END):  # the tail of an aborted transfer
                log.debug("%s: skipping a stray data packet before the %s reply", self.name, Ins(ins).name)
                packet = self.reader.read_packet(deadline)
            if packet.pid != Pid.ACK or not packet.content:
                raise errors.bad_frame(self.name, f"expected an acknowledge, got PID 0x{packet.pid:02X}")
            expected = ACK_BYTES.get(ins, protocol.MIN_PACKET)
            if packet.confirmation == OK and packet.wire_length != expected:
                raise errors.bad_frame(
                    self.name, f"{Ins(ins).name} reply of {packet.wire_length} bytes, expected {expected}"
                )
        except errors.DeviceError:
            self.flush_input()
            raise
        return packet

    def call(
        self, ins: Ins, params: bytes = b"", *, allowed: tuple[int, ...] = (OK,), timeout_s: float | None = None
    ) -> Packet:
        """transact() and raise the confirmation's DeviceError unless it is in `allowed`."""
        packet = self.transact(ins, params, timeout_s=timeout_s)
        if packet.confirmation not in allowed:
            raise errors.module_refused(packet.confirmation, ins.name, self.name)
        return packet

    # --- commands --------------------------------------------------------------------

    def verify_password(self, password: int) -> None:
        self.call(Ins.VFY_PWD, struct.pack(">I", password))

    def read_sys_para(self) -> SysParams:
        params = SysParams.unpack(self.call(Ins.READ_SYS_PARA).content[1:])
        if params.packet_size is not None:
            self.packet_size = params.packet_size
        return params

    def gen_img(self) -> int:
        """0x00 finger captured, 0x02 no finger, 0x03 capture failed; other codes raise."""
        return self.call(Ins.GEN_IMG, allowed=(OK, NO_FINGER, IMAGE_FAILED)).confirmation

    def img2tz(self, buffer: int) -> int:
        """Template from the image buffer into char buffer 1 or 2; returns the confirmation code
        (0x06 disorderly, 0x07 too few points and 0x15 no image are answers, not faults)."""
        return self.call(Ins.IMG2TZ, bytes([buffer]), allowed=(OK, 0x06, 0x07, 0x15)).confirmation

    def reg_model(self) -> bool:
        return self.call(Ins.REG_MODEL, allowed=(OK, 0x0A)).confirmation == OK

    def match(self) -> tuple[bool, int]:
        packet = self.call(Ins.MATCH, allowed=(OK, 0x08))
        score = struct.unpack(">H", packet.content[1:3])[0] if len(packet.content) >= 3 else 0
        return packet.confirmation == OK, score

    def search(self, buffer: int, start: int, count: int, *, high_speed: bool = False) -> tuple[int, int] | None:
        ins = Ins.HI_SPEED_SEARCH if high_speed else Ins.SEARCH
        packet = self.call(ins, struct.pack(">BHH", buffer, start, count), allowed=(OK, 0x09))
        if packet.confirmation != OK:
            return None
        page, score = struct.unpack(">HH", packet.content[1:5])
        return page, score

    def store(self, buffer: int, page: int) -> None:
        self.call(Ins.STORE, struct.pack(">BH", buffer, page))

    def load_char(self, buffer: int, page: int) -> None:
        self.call(Ins.LOAD_CHAR, struct.pack(">BH", buffer, page))

    def delete_char(self, page: int, count: int = 1) -> None:
        self.call(Ins.DELETE_CHAR, struct.pack(">HH", page, count))

    def empty(self) -> None:
        self.call(Ins.EMPTY)

    def templete_num(self) -> int:
        return int(struct.unpack(">H", self.call(Ins.TEMPLETE_NUM).content[1:3])[0])

    def read_index_table(self, page: int) -> list[int]:
        bitmap = self.call(Ins.READ_INDEX_TABLE, bytes([page])).content[1:33]
        return [256 * page + 8 * i + b for i, byte in enumerate(bitmap) for b in range(8) if byte >> b & 1]

    def set_sys_para(self, number: int, value: int) -> None:
        """The module ACKs at the old settings, then applies; the caller re-opens at a new baud."""
        self.call(Ins.SET_SYS_PARA, bytes([number, value]))
        if number == protocol.SysParam.PACKET_SIZE:
            self.packet_size = protocol.PACKET_SIZES[value]

    def optional(self, ins: Ins, params: bytes = b"", *, timeout_s: float = 0.5) -> Packet | None:
        """A command older modules may not know: None when unsupported or unanswered."""
        try:
            packet = self.transact(ins, params, timeout_s=timeout_s)
        except errors.DeviceError as exc:
            log.info("%s: %s not answered (%s); treating it as unsupported", self.name, ins.name, exc.code)
            self.drain(quiet_s=0.05, limit_s=0.3)
            return None
        if packet.confirmation in errors.UNSUPPORTED_CODES or packet.confirmation == 0x01:
            return None
        return packet

    def aura_led(self, ctrl: int, speed: int, colour: int, times: int = 0) -> bool:
        """AuraLedConfig (R503 class); False when this module has no such LED."""
        packet = self.optional(Ins.AURA_LED_CONFIG, bytes([ctrl, speed, colour, times]))
        return packet is not None and packet.confirmation == OK

    def check_sensor(self) -> bool | None:
        """True sensor fine, None unsupported; a sensor fault (0x29) raises."""
        packet = self.optional(Ins.CHECK_SENSOR)
        if packet is None:
            return None
        if packet.confirmation != OK:
            raise errors.module_refused(packet.confirmation, Ins.CHECK_SENSOR.name, self.name)
        return True

    def read_text(self, ins: Ins) -> str | None:
        packet = self.optional(ins)
        if packet is None or packet.confirmation != OK:
            return None
        return packet.content[1:33].split(b"\0", 1)[0].decode("ascii", "replace").strip() or None

    def read_prod_info(self) -> dict[str, str] | None:
        packet = self.optional(Ins.READ_PROD_INFO)
        if packet is None or packet.confirmation != OK or len(packet.content) < 47:
            return None
        c = packet.content[1:]

        def text(b: bytes) -> str:
            return b.split(b"\0", 1)[0].decode("ascii", "replace").strip()

        return {
            "model": text(c[0:16]),
            "batch": text(c[16:20]),
            "serial": text(c[20:28]),
            "hardware": f"{c[28]}.{c[29]}",
        }

    def up_image(
        self,
        *,
        cancel: CancelToken | None = None,
        on_progress: Callable[[float], None] | None = None,
        budget_factor: float = 3.0,
    ) -> np.ndarray:
        """UpImage: the (288, 256) 8-bit image, from 4-bit rows of data packets.

        Gives up early with ``fingerprint.slow_line`` once the rate so far shows the
        upload cannot finish within `budget_factor` x the line time (+2 s), rather
        than making the operator wait for a transfer that will not make it.
        """
        line_s = protocol.line_seconds(protocol.up_image_bytes(self.packet_size), self.baud)
        budget = budget_factor * line_s + 2.0
        start = time.monotonic()
        self.call(Ins.UP_IMAGE, allowed=(OK,))
        data = bytearray()
        try:
            while True:
                now = time.monotonic()
                elapsed = now - start
                if data and elapsed > 1.0 and elapsed * IMAGE_BYTES / len(data) > budget:
                    raise errors.slow_line(self.name, elapsed * IMAGE_BYTES / len(data), line_s)
                if cancel is not None and cancel.cancelled:
                    cancel.raise_if_cancelled()
                deadline = min(start + budget, now + max(self.timeout_s, 1.0))
                packet = self.reader.read_packet(deadline)
                if packet.pid not in (Pid.DATA, Pid.END):
                    raise errors.bad_frame(self.name, f"expected image data, got PID 0x{packet.pid:02X}")
                data += packet.content
                if len(data) > IMAGE_BYTES:
                    raise errors.bad_frame(self.name, f"image longer than {IMAGE_BYTES} bytes")
                if on_progress is not None:
                    on_progress(len(data) / IMAGE_BYTES)
                if packet.pid == Pid.END:
                    break
        except BaseException:
            # The module keeps sending the rest; the next command waits for the line to go quiet.
            remaining = protocol.line_seconds(IMAGE_BYTES - len(data), self.baud)
            self.drain_pending_s = min(1.2 * remaining + 0.3, 10.0)
            raise
        if len(data) != IMAGE_BYTES:
            raise errors.bad_frame(self.name, f"image of {len(data)} bytes, expected {IMAGE_BYTES}")
        log.debug("%s: image uploaded in %.2f s", self.name, time.monotonic() - start)
        return protocol.unpack_image(bytes(data))

    def up_char(self, buffer: int) -> bytes:
        self.call(Ins.UP_CHAR, bytes([buffer]))
        data = bytearray()
        deadline = time.monotonic() + self.timeout_s + protocol.line_seconds(1000, self.baud)
        while True:
            packet = self.reader.read_packet(deadline)
            if packet.pid not in (Pid.DATA, Pid.END):
                raise errors.bad_frame(self.name, f"expected template data, got PID 0x{packet.pid:02X}")
            data += packet.content
            if packet.pid == Pid.END or len(data) > 4096:
                return bytes(data)

    def down_char(self, buffer: int, template: bytes) -> None:
        self.call(Ins.DOWN_CHAR, bytes([buffer]))
        for frame in protocol.data_packets(template, self.packet_size, self.address):
            self.port.write(frame)
        self.port.flush()
