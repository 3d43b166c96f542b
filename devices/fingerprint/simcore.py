"""The simulated EF01 module's command processor: packets in, reply bytes out.

No I/O and no timing here (that is simulator.py), so every command can be tested
directly. The module keeps what a real one keeps: an image buffer, two 512-byte
character buffers, a template library of `capacity` pages, a 16-page notepad, the
system parameters and the password state.

Faithfulness rules (reference/devices.md sections 1 and 7): every ACK has the exact
length of table 1.3, also when the confirmation code is an error (Adafruit reads
exactly that many bytes); SetSysPara answers with the *old* settings and applies
the change afterwards (`pending_baud`); SoftRst answers, then sends a lone 0x55.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from devices.fingerprint import imagegen, templates
from devices.fingerprint.platen import Placement, Platen
from devices.fingerprint.protocol import (
    ACK_BYTES,
    BAUD_UNIT,
    DEFAULT_ADDRESS,
    PACKET_SIZES,
    Ins,
    Packet,
    Pid,
    SysParam,
    SysParams,
    ack,
    data_packets,
    pack_image,
)

log = logging.getLogger(__name__)

FAULTS = ("no_reply", "bad_checksum", "sensor_fault", "ghost_finger", "wrong_baud", "slow_line")
FIRMWARE = "SIM-EF01 fw 1.2 (simulated)"
ALGORITHM = "SIM-EF01 alg 1.0 (simulated)"
MODEL = "EF01-SIM"

OK, RECV_ERR, NO_FINGER = 0x00, 0x01, 0x02
TOO_FEW_POINTS, NO_MATCH, NOT_FOUND, COMBINE_FAIL = 0x07, 0x08, 0x09, 0x0A
BAD_PAGE, BAD_TEMPLATE, UPCHAR_FAIL, DELETE_FAIL = 0x0B, 0x0C, 0x0D, 0x10
WRONG_PWD, NO_IMAGE, BAD_REGISTER, BAD_VALUE = 0x13, 0x15, 0x1A, 0x1B
BAD_NOTEPAD, NEED_PWD, SENSOR_FAULT, UNSUPPORTED = 0x1C, 0x21, 0x29, 0xFC


@dataclass
class ModuleState:
    capacity: int = 1000
    security_level: int = 3
    packet_size_code: int = 2
    baud_n: int = 6
    address: int = DEFAULT_ADDRESS
    password: int = 0
    serial: str = "SIM00001"
    led_supported: bool = True
    library: dict[int, bytes] = field(default_factory=dict)
    notepad: dict[int, bytes] = field(default_factory=dict)


class Ef01Module:
    """One simulated module. `handle()` returns the bytes to send back, in order."""

    def __init__(self, state: ModuleState, platen: Platen, *, seed: int = 1) -> None:
        self.state = state
        self.platen = platen
        self.fault: str | None = None
        self.verified = state.password == 0
        self.image: np.ndarray = imagegen.empty_platen(seed)
        self.image_placement: Placement | None = None
        self.buffers: dict[int, bytes | None] = {1: None, 2: None}
        self.pending_baud: int | None = None
        self.led: tuple[int, int, int, int] | None = None
        self.commands_seen: list[int] = []
        self._rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x53494D])
        self._incoming: tuple[int, bytearray] | None = None  # a DownChar in progress
        self._seed = seed

    @property
    def packet_size(self) -> int:
        return PACKET_SIZES[self.state.packet_size_code]

    def _ack(self, ins: int, conf: int, payload: bytes = b"") -> bytes:
        size = ACK_BYTES.get(ins, 12) - 12
        body = (payload + bytes(size))[:size]
        return ack(conf, body, self.state.address)

    def handle(self, packet: Packet) -> list[bytes]:
        if packet.address != self.state.address:
            log.debug("sim: ignoring a packet for address 0x%08X", packet.address)
            return []
        if packet.pid in (Pid.DATA, Pid.END):
            return self._receive_data(packet)
        if packet.pid != Pid.COMMAND or not packet.content:
            return [self._ack(0, RECV_ERR)]
        ins, params = packet.content[0], packet.content[1:]
        self.commands_seen.append(ins)
        if not self.verified and ins not in (Ins.VFY_PWD, Ins.HANDSHAKE, Ins.GET_RANDOM_CODE):
            return [self._ack(ins, NEED_PWD)]
        handler = _HANDLERS.get(ins)
        if handler is None or (ins in _R503_ONLY and not self.state.led_supported):
            return [self._ack(ins, UNSUPPORTED)]
        try:
            return handler(self, ins, params)
        except (struct.error, IndexError):
            return [self._ack(ins, RECV_ERR)]

    # --- image ---------------------------------------------------------------------

    def _gen_img(self, ins: int, params: bytes) -> list[bytes]:
        if self.fault == "sensor_fault":
            self.image = np.zeros_like(self.image)
            self.image_placement = None
            return [self._ack(ins, SENSOR_FAULT)]
        self.platen.ghost = Placement(self._seed, 0, 0.95, latent=True) if self.fault == "ghost_finger" else None
        placement = self.platen.poll()
        if placement is None:
            self.image, self.image_placement = imagegen.empty_platen(self._seed), None
            return [self._ack(ins, NO_FINGER)]
        if placement.latent:
            self.image = imagegen.latent_print(self._seed)
        else:
            self.image = imagegen.synthetic_fingerprint(placement.seed, placement.finger, placement.quality)
        self.image_placement = placement
        return [self._ack(ins, OK)]

    def _up_image(self, ins: int, params: bytes) -> list[bytes]:
        self.platen.image_taken(uploaded=True)
        return [self._ack(ins, OK), *data_packets(pack_image(self.image), self.packet_size, self.state.address)]

    def _img2tz(self, ins: int, params: bytes) -> list[bytes]:
        buf = params[0]
        if buf not in self.buffers:
            return [self._ack(ins, RECV_ERR)]
        p = self.image_placement
        if p is None:
            return [self._ack(ins, NO_IMAGE)]
        self.platen.image_taken(uploaded=False)
        if p.quality < 0.15:
            return [self._ack(ins, TOO_FEW_POINTS)]
        self.buffers[buf] = templates.char_file(p.seed ^ (0x6C6174 if p.latent else 0), p.finger, p.quality, self._rng)
        return [self._ack(ins, OK)]

    def _check_sensor(self, ins: int, params: bytes) -> list[bytes]:
        return [self._ack(ins, SENSOR_FAULT if self.fault == "sensor_fault" else OK)]

    # --- templates -------------------------------------------------------------------

    def _threshold(self) -> int:
        return templates.THRESHOLDS.get(self.state.security_level, 50)

    def _reg_model(self, ins: int, params: bytes) -> list[bytes]:
        a, b = self.buffers[1], self.buffers[2]
        if a is None or b is None or templates.match_score(a, b) < self._threshold():
            return [self._ack(ins, COMBINE_FAIL)]
        self.buffers[1] = self.buffers[2] = templates.merge(a, b)
        self.platen.enrolled()
        return [self._ack(ins, OK)]

    def _match(self, ins: int, params: bytes) -> list[bytes]:
        a, b = self.buffers[1], self.buffers[2]
        score = templates.match_score(a, b) if a is not None and b is not None else 0
        conf = OK if score >= self._threshold() else NO_MATCH
        return [self._ack(ins, conf, struct.pack(">H", score))]

    def _search(self, ins: int, params: bytes) -> list[bytes]:
        buf, start, count = struct.unpack(">BHH", params[:5])
        probe = self.buffers.get(buf)
        best: tuple[int, int] | None = None
        if probe is not None:
            for page, tmpl in sorted(self.state.library.items()):
                if start <= page < start + count:
                    score = templates.match_score(probe, tmpl)
                    if score >= self._threshold() and (best is None or score > best[1]):
                        best = (page, score)
        if best is None:
            return [self._ack(ins, NOT_FOUND)]
        self.platen.enrolled()
        return [self._ack(ins, OK, struct.pack(">HH", *best))]

    def _store(self, ins: int, params: bytes) -> list[bytes]:
        buf, page = struct.unpack(">BH", params[:3])
        if page >= self.state.capacity:
            return [self._ack(ins, BAD_PAGE)]
        data = self.buffers.get(buf)
        if data is None:
            return [self._ack(ins, BAD_TEMPLATE)]
        self.state.library[page] = data
        self.platen.enrolled()
        return [self._ack(ins, OK)]

    def _load_char(self, ins: int, params: bytes) -> list[bytes]:
        buf, page = struct.unpack(">BH", params[:3])
        if page >= self.state.capacity or buf not in self.buffers:
            return [self._ack(ins, BAD_PAGE)]
        if page not in self.state.library:
            return [self._ack(ins, BAD_TEMPLATE)]
        self.buffers[buf] = self.state.library[page]
        return [self._ack(ins, OK)]

    def _up_char(self, ins: int, params: bytes) -> list[bytes]:
        data = self.buffers.get(params[0])
        if data is None:
            return [self._ack(ins, UPCHAR_FAIL)]
        return [self._ack(ins, OK), *data_packets(data, self.packet_size, self.state.address)]

    def _down_char(self, ins: int, params: bytes) -> list[bytes]:
        if params[0] not in self.buffers:
            return [self._ack(ins, RECV_ERR)]
        self._incoming = (params[0], bytearray())
        return [self._ack(ins, OK)]

    def _receive_data(self, packet: Packet) -> list[bytes]:
        if self._incoming is None:
            return []
        buf, data = self._incoming
        data += packet.content
        if packet.pid == Pid.END:
            self._incoming = None
            self.buffers[buf] = bytes(data[: templates.TEMPLATE_BYTES])
        return []

    def _delete_char(self, ins: int, params: bytes) -> list[bytes]:
        page, count = struct.unpack(">HH", params[:4])
        if page + count > self.state.capacity or count == 0:
            return [self._ack(ins, DELETE_FAIL)]
        for p in range(page, page + count):
            self.state.library.pop(p, None)
        return [self._ack(ins, OK)]

    def _empty(self, ins: int, params: bytes) -> list[bytes]:
        self.state.library.clear()
        return [self._ack(ins, OK)]

    def _templete_num(self, ins: int, params: bytes) -> list[bytes]:
        return [self._ack(ins, OK, struct.pack(">H", len(self.state.library)))]

    def _read_index_table(self, ins: int, params: bytes) -> list[bytes]:
        page = params[0]
        if page > 3:
            return [self._ack(ins, BAD_PAGE)]
        bits = bytearray(32)
        for n in self.state.library:
            if 256 * page <= n < 256 * (page + 1):
                i, b = divmod(n - 256 * page, 8)
                bits[i] |= 1 << b
        return [self._ack(ins, OK, bytes(bits))]

    # --- system ----------------------------------------------------------------------

    def _sys_params(self) -> SysParams:
        status = (0b100 if self.verified else 0) | (0b1000 if self.image_placement else 0)
        s = self.state
        return SysParams(status, 0x0000, s.capacity, s.security_level, s.address, s.packet_size_code, s.baud_n)

    def _read_sys_para(self, ins: int, params: bytes) -> list[bytes]:
        return [self._ack(ins, OK, self._sys_params().pack())]

    def _set_sys_para(self, ins: int, params: bytes) -> list[bytes]:
        number, value = params[0], params[1]
        valid = {SysParam.BAUD: range(1, 13), SysParam.SECURITY: range(1, 6), SysParam.PACKET_SIZE: range(0, 4)}
        if number not in valid:
            return [self._ack(ins, BAD_REGISTER)]
        if value not in valid[SysParam(number)]:
            return [self._ack(ins, BAD_VALUE)]
        reply = [self._ack(ins, OK)]  # built before the change: the ACK goes out with the old settings
        if number == SysParam.BAUD:
            self.state.baud_n = value
            self.pending_baud = value * BAUD_UNIT
        elif number == SysParam.SECURITY:
            self.state.security_level = value
        else:
            self.state.packet_size_code = value
        return reply

    def _vfy_pwd(self, ins: int, params: bytes) -> list[bytes]:
        (password,) = struct.unpack(">I", params[:4])
        self.verified = password == self.state.password
        return [self._ack(ins, OK if self.verified else WRONG_PWD)]

    def _set_pwd(self, ins: int, params: bytes) -> list[bytes]:
        (self.state.password,) = struct.unpack(">I", params[:4])
        return [self._ack(ins, OK)]

    def _set_adder(self, ins: int, params: bytes) -> list[bytes]:
        (self.state.address,) = struct.unpack(">I", params[:4])
        return [self._ack(ins, OK)]  # sent with the new address, as the manual describes

    def _random(self, ins: int, params: bytes) -> list[bytes]:
        return [self._ack(ins, OK, self._rng.integers(0, 256, 4, dtype=np.uint8).tobytes())]

    def _write_notepad(self, ins: int, params: bytes) -> list[bytes]:
        if params[0] > 15 or len(params) < 33:
            return [self._ack(ins, BAD_NOTEPAD)]
        self.state.notepad[params[0]] = bytes(params[1:33])
        return [self._ack(ins, OK)]

    def _read_notepad(self, ins: int, params: bytes) -> list[bytes]:
        if params[0] > 15:
            return [self._ack(ins, BAD_NOTEPAD)]
        return [self._ack(ins, OK, self.state.notepad.get(params[0], bytes(32)))]

    def _aura_led(self, ins: int, params: bytes) -> list[bytes]:
        ctrl, speed, colour, times = params[:4]
        self.led = (ctrl, speed, colour, times)
        return [self._ack(ins, OK)]

    def _text(self, ins: int, params: bytes) -> list[bytes]:
        text = FIRMWARE if ins == Ins.GET_FW_VER else ALGORITHM
        return [self._ack(ins, OK, text.encode("ascii").ljust(32, b"\0"))]

    def _prod_info(self, ins: int, params: bytes) -> list[bytes]:
        s = self.state
        info = (
            MODEL.encode().ljust(16, b"\0")
            + b"B001"
            + s.serial.encode().ljust(8, b"\0")[:8]
            + bytes([1, 2])
            + b"SIMOPT".ljust(8, b"\0")
            + struct.pack(">HHHH", imagegen.WIDTH, imagegen.HEIGHT, templates.TEMPLATE_BYTES, s.capacity)
        )
        return [self._ack(ins, OK, info)]

    def _soft_rst(self, ins: int, params: bytes) -> list[bytes]:
        self.buffers = {1: None, 2: None}
        self.verified = self.state.password == 0
        return [self._ack(ins, OK), b"\x55"]

    def _plain_ok(self, ins: int, params: bytes) -> list[bytes]:
        return [self._ack(ins, OK)]


_HANDLERS: dict[int, Callable[[Ef01Module, int, bytes], list[bytes]]] = {
    Ins.GEN_IMG: Ef01Module._gen_img,
    Ins.IMG2TZ: Ef01Module._img2tz,
    Ins.MATCH: Ef01Module._match,
    Ins.SEARCH: Ef01Module._search,
    Ins.HI_SPEED_SEARCH: Ef01Module._search,
    Ins.REG_MODEL: Ef01Module._reg_model,
    Ins.STORE: Ef01Module._store,
    Ins.LOAD_CHAR: Ef01Module._load_char,
    Ins.UP_CHAR: Ef01Module._up_char,
    Ins.DOWN_CHAR: Ef01Module._down_char,
    Ins.UP_IMAGE: Ef01Module._up_image,
    Ins.DELETE_CHAR: Ef01Module._delete_char,
    Ins.EMPTY: Ef01Module._empty,
    Ins.SET_SYS_PARA: Ef01Module._set_sys_para,
    Ins.READ_SYS_PARA: Ef01Module._read_sys_para,
    Ins.SET_PWD: Ef01Module._set_pwd,
    Ins.VFY_PWD: Ef01Module._vfy_pwd,
    Ins.GET_RANDOM_CODE: Ef01Module._random,
    Ins.SET_ADDER: Ef01Module._set_adder,
    Ins.WRITE_NOTEPAD: Ef01Module._write_notepad,
    Ins.READ_NOTEPAD: Ef01Module._read_notepad,
    Ins.TEMPLETE_NUM: Ef01Module._templete_num,
    Ins.READ_INDEX_TABLE: Ef01Module._read_index_table,
    Ins.CANCEL: Ef01Module._plain_ok,
    Ins.AURA_LED_CONFIG: Ef01Module._aura_led,
    Ins.CHECK_SENSOR: Ef01Module._check_sensor,
    Ins.GET_ALG_VER: Ef01Module._text,
    Ins.GET_FW_VER: Ef01Module._text,
    Ins.READ_PROD_INFO: Ef01Module._prod_info,
    Ins.SOFT_RST: Ef01Module._soft_rst,
    Ins.HANDSHAKE: Ef01Module._plain_ok,
}
# Instructions of the R503 generation; a module built with led_supported=False
# (an R307-like profile) answers them with 0xFC "unsupported".
_R503_ONLY = frozenset(
    {Ins.AURA_LED_CONFIG, Ins.CHECK_SENSOR, Ins.GET_ALG_VER, Ins.GET_FW_VER, Ins.READ_PROD_INFO, Ins.HANDSHAKE}
)
