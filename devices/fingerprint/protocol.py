"""EF01 wire format of ZhianTec/Grow fingerprint modules (ZFM-20, R30x, R503, AS608).

Pure bytes in, packets out: no port, no threads, so the host driver, the simulator
and the fuzz tests share one implementation. Facts are from reference/devices.md
section 1 (all multi-byte fields big-endian).

Traps named here so nobody has to rediscover them:
* LEN counts content *plus* the 2-byte checksum, so an ACK with only a confirmation
  code has LEN 3 and is 12 bytes long on the wire.
* The checksum is the 16-bit sum of PID, both LEN bytes and the content; the
  header and the address are not summed.
* ReadSysPara reports the packet size as a *code* 0-3 (32/64/128/256 bytes) and the
  baud as N (baud = 9600 x N), not as the values themselves.
* Over the UART the image is 4 bits per pixel, two pixels per byte, left pixel in
  the high nibble; at the default 128-byte packet size one data packet is one row.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from devices.fingerprint import errors

log = logging.getLogger(__name__)

HEADER = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
DEFAULT_PASSWORD = 0x00000000
DEFAULT_BAUD = 57600
HEAD_LEN = 9  # header 2 + address 4 + PID 1 + LEN 2
MIN_PACKET = 12
MAX_LEN_FIELD = 258  # 256 content bytes + 2 checksum bytes
MAX_GARBAGE = 64  # bytes skipped while looking for a header before calling it garbage

IMAGE_WIDTH = 256
IMAGE_HEIGHT = 288
IMAGE_BYTES = IMAGE_WIDTH * IMAGE_HEIGHT // 2  # 36 864
TEMPLATE_BYTES = 512
PACKET_SIZES = (32, 64, 128, 256)  # indexed by the packet-size code
BAUD_UNIT = 9600
BITS_PER_BYTE = 10  # 8N1: start + 8 data + stop


class Pid(IntEnum):
    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END = 0x08


class Ins(IntEnum):
    """Instruction codes, named as in the module's manual (not pyfingerprint's swapped names)."""

    GEN_IMG = 0x01
    IMG2TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    UP_IMAGE = 0x0A
    DOWN_IMAGE = 0x0B
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDER = 0x15
    WRITE_NOTEPAD = 0x18
    READ_NOTEPAD = 0x19
    HI_SPEED_SEARCH = 0x1B
    TEMPLETE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F
    CANCEL = 0x30
    AURA_LED_CONFIG = 0x35
    CHECK_SENSOR = 0x36
    GET_ALG_VER = 0x39
    GET_FW_VER = 0x3A
    READ_PROD_INFO = 0x3C
    SOFT_RST = 0x3D
    HANDSHAKE = 0x40


# Total bytes of the acknowledge packet for each instruction (reference table 1.3).
ACK_BYTES: dict[int, int] = {
    **{int(i): 12 for i in Ins},
    Ins.MATCH: 14,
    Ins.SEARCH: 16,
    Ins.HI_SPEED_SEARCH: 16,
    Ins.READ_SYS_PARA: 28,
    Ins.GET_RANDOM_CODE: 16,
    Ins.READ_NOTEPAD: 44,
    Ins.TEMPLETE_NUM: 14,
    Ins.READ_INDEX_TABLE: 44,
    Ins.GET_ALG_VER: 44,
    Ins.GET_FW_VER: 44,
    Ins.READ_PROD_INFO: 58,  # R503 layout, 46 bytes after the confirmation code
}


class SysParam(IntEnum):
    """SetSysPara parameter numbers."""

    BAUD = 4
    SECURITY = 5
    PACKET_SIZE = 6


class Led(IntEnum):
    """AuraLedConfig control codes and colours (R503 class)."""

    BREATHE = 1
    FLASH = 2
    ON = 3
    OFF = 4
    FADE_ON = 5
    FADE_OFF = 6
    RED = 1
    BLUE = 2
    PURPLE = 3
    GREEN = 4
    YELLOW = 5
    CYAN = 6
    WHITE = 7


@dataclass(frozen=True)
class Packet:
    pid: int
    content: bytes
    address: int = DEFAULT_ADDRESS

    @property
    def confirmation(self) -> int:
        """First content byte of an ACK."""
        return self.content[0] if self.content else -1

    @property
    def wire_length(self) -> int:
        return HEAD_LEN + len(self.content) + 2


@dataclass(frozen=True)
class SysParams:
    """The 16 bytes after the confirmation code of a ReadSysPara ACK."""

    status: int
    system_id: int
    capacity: int
    security_level: int
    address: int
    packet_size_code: int
    baud_n: int

    @property
    def packet_size(self) -> int | None:
        code = self.packet_size_code
        return PACKET_SIZES[code] if 0 <= code < len(PACKET_SIZES) else None

    @property
    def baud(self) -> int:
        return self.baud_n * BAUD_UNIT

    def pack(self) -> bytes:
        return struct.pack(
            ">HHHHIHH",
            self.status,
            self.system_id,
            self.capacity,
            self.security_level,
            self.address,
            self.packet_size_code,
            self.baud_n,
        )

    @classmethod
    def unpack(cls, data: bytes) -> SysParams:
        return cls(*struct.unpack(">HHHHIHH", data[:16]))


def checksum(pid: int, content: bytes) -> int:
    length = len(content) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(content)) & 0xFFFF


def encode(pid: int, content: bytes, address: int = DEFAULT_ADDRESS) -> bytes:
    length = len(content) + 2
    if length > MAX_LEN_FIELD:
        raise ValueError(f"packet content too long: {len(content)} bytes")
    head = HEADER + struct.pack(">IBH", address, pid, length)
    return head + content + struct.pack(">H", checksum(pid, content))


def command(ins: int, params: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return encode(Pid.COMMAND, bytes([ins]) + params, address)


def ack(confirmation: int, payload: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return encode(Pid.ACK, bytes([confirmation]) + payload, address)


def data_packets(data: bytes, size: int, address: int = DEFAULT_ADDRESS) -> list[bytes]:
    """Split `data` into data packets of `size` bytes, the last one with PID END."""
    chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
    out = [encode(Pid.DATA, c, address) for c in chunks[:-1]]
    out.append(encode(Pid.END, chunks[-1], address))
    return out


def pack_image(image: np.ndarray) -> bytes:
    """8-bit (288, 256) image -> 4-bit wire bytes (upper nibble of each pixel, left pixel high)."""
    nib = (np.asarray(image, dtype=np.uint8) >> 4).reshape(IMAGE_HEIGHT, IMAGE_WIDTH // 2, 2)
    return ((nib[:, :, 0] << 4) | nib[:, :, 1]).astype(np.uint8).tobytes()


def unpack_image(data: bytes) -> np.ndarray:
    """4-bit wire bytes -> 8-bit (288, 256) image, each nibble scaled x17 so 0xF becomes 255."""
    raw = np.frombuffer(data, dtype=np.uint8).reshape(IMAGE_HEIGHT, IMAGE_WIDTH // 2)
    out = np.empty((IMAGE_HEIGHT, IMAGE_WIDTH), dtype=np.uint8)
    out[:, 0::2] = (raw >> 4) * 17
    out[:, 1::2] = (raw & 0x0F) * 17
    return out


def line_seconds(n_bytes: int, baud: int) -> float:
    """Time `n_bytes` take on an 8N1 line: 10 bits per byte."""
    return n_bytes * BITS_PER_BYTE / baud


def up_image_bytes(packet_size: int = 128) -> int:
    """Bytes the module sends for UpImage: ACK plus every data packet (40 044 at 128)."""
    n_packets = -(-IMAGE_BYTES // packet_size)
    return MIN_PACKET + n_packets * (packet_size + 11)


class PacketReader:
    """Reads whole packets from a byte source, in bulk, never past a deadline.

    `read(n)` must return up to `n` bytes (fewer, or none, after its own short
    timeout). What arrived and what did not decides the error:
    nothing at all -> ``no_reply``; bytes without a header -> ``protocol`` (the
    caller may call it ``wrong_baud`` during the handshake, when garbage is what a
    UART at the wrong speed delivers); a header then silence -> ``protocol``
    (truncated); a bad sum -> ``bad_checksum``. A lone 0x55 (the R503 power-on
    byte) or other short junk before a header is skipped.
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        *,
        port: str,
        address: int = DEFAULT_ADDRESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._buf = bytearray()
        self.port = port
        self.address = address
        self._clock = clock
        self.garbage_seen = 0

    def clear(self) -> None:
        self._buf.clear()

    def _fill(self, need: int, deadline: float) -> bool:
        """Grow the buffer to `need` bytes; False when the deadline passed first."""
        while len(self._buf) < need:
            if self._clock() >= deadline:
                return False
            chunk = self._read(need - len(self._buf))
            if chunk:
                self._buf += chunk
        return True

    def read_packet(self, deadline: float) -> Packet:
        self.garbage_seen = 0
        while True:
            got = self._fill(MIN_PACKET, deadline)  # the smallest whole packet
            idx = self._buf.find(HEADER)
            if idx != 0:
                skip = idx if idx > 0 else len(self._buf) - (1 if self._buf.endswith(HEADER[:1]) else 0)
                self.garbage_seen += skip
                del self._buf[:skip]
            if self.garbage_seen > MAX_GARBAGE:
                raise errors.garbage(self.port, self.garbage_seen)
            if self._buf.startswith(HEADER):
                break
            if not got:
                if self.garbage_seen or self._buf:
                    raise errors.garbage(self.port, self.garbage_seen + len(self._buf))
                raise errors.no_reply(self.port)
        if not self._fill(HEAD_LEN, deadline):
            raise errors.truncated(self.port, len(self._buf), HEAD_LEN)
        address, pid, length = struct.unpack(">IBH", bytes(self._buf[2:HEAD_LEN]))
        if pid not in Pid._value2member_map_ or not 2 <= length <= MAX_LEN_FIELD:
            del self._buf[:2]  # so a retry does not trip over the same header
            raise errors.bad_frame(self.port, f"PID 0x{pid:02X}, LEN {length}")
        total = HEAD_LEN + length
        if not self._fill(total, deadline):
            raise errors.truncated(self.port, len(self._buf), total)
        frame = bytes(self._buf[:total])
        del self._buf[:total]
        content = frame[HEAD_LEN:-2]
        (received,) = struct.unpack(">H", frame[-2:])
        if received != checksum(pid, content):
            raise errors.bad_checksum(self.port)
        if address != self.address:
            raise errors.bad_frame(self.port, f"address 0x{address:08X}")
        return Packet(pid, content, address)
