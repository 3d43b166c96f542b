"""What every SBI modality driver (finger, iris, face) shares, written once.

`SbiDriver` holds the driver's `SbiService` and does the parts that do not depend on the
modality: open and close (calling `on_close` once, which is how a simulated device stops
its in-process simulator), stopping the preview, the device info built from the device's
signed info, the technician's self-test, and the end of a best-of-N capture (the kept
attempt's hashes appended to the enrollment's chain). A subclass names its modality,
its registry name and what its self-test captures as class attributes.

It is a mixin, not a `Device`: the iris camera is not a registered device kind yet, and
the finger and face drivers take their interface (`FingerprintScanner`, `Camera`) as
their second base, so `SbiDriver` must come first for its `open`/`close`/`self_test` to
be the ones used. Trap: `close` clears `service.device`, so `info()` after a close raises
`not_open` like before an open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from common.progress import CancelToken, Progress, no_progress
from common.text import DEFAULT_LANGUAGE
from devices.base import DeviceInfo, DeviceKind, SelfTestStep, StepCallback
from devices.sbi.chain import CaptureChain
from devices.sbi.client import SbiCapture
from devices.sbi.service import SbiService, SbiSettings, best_attempt, require_open
from devices.sbi.spec import BioType


class Attempt(Protocol):
    """One attempt of a best-of-N capture, as `SbiDriver.keep_best` ranks it."""

    @property
    def passed(self) -> bool: ...

    @property
    def mean_score(self) -> float: ...

    @property
    def sbi(self) -> SbiCapture: ...


A = TypeVar("A", bound=Attempt)
E = TypeVar("E")


def excepted_among(asked: Sequence[E], exceptions: Sequence[E], *, nothing_left: str) -> tuple[E, ...]:
    """The exceptions that are among `asked` (in `asked`'s order); a ValueError saying
    `nothing_left` when every one asked for is excepted."""
    excepted = tuple(x for x in asked if x in set(exceptions))
    if len(excepted) == len(asked):
        raise ValueError(nothing_left)
    return excepted


class SbiDriver:
    """The modality-independent half of an SBI driver; see the module doc."""

    bio_type: ClassVar[BioType]
    default_driver_name: ClassVar[str]  # the registry's name of the real driver, e.g. "sbi-finger"
    self_test_device: ClassVar[str]  # SelfTestStep.device: "fingerprint", "iris" or "camera"
    self_test_sub_id: ClassVar[int]  # the bioSubType the self-test captures

    def __init__(
        self, settings: SbiSettings, *, driver_name: str | None = None, simulated: bool = False,
        on_close: Callable[[], None] | None = None, language: str = DEFAULT_LANGUAGE,
    ) -> None:  # fmt: skip
        self.service = SbiService(self.bio_type, settings)
        self.driver_name = self.default_driver_name if driver_name is None else driver_name
        self.simulated = simulated
        self.language = language
        self._on_close = on_close

    @property
    def port_name(self) -> str | None:
        return self.service.url

    def open(self) -> None:
        self.service.open()

    def close(self) -> None:
        self.service.close()
        self.service.device = None
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close()

    def stop_preview(self) -> None:
        self.service.stop_preview()

    def self_test_threshold(self) -> float:
        """The device score the self-test's capture asks for (the driver's capture threshold)."""
        raise NotImplementedError

    def _device_info(self, kind: DeviceKind, *, serial: str, extra: dict[str, Any]) -> DeviceInfo:
        """The open device's DeviceInfo with the fields every modality shares (`serial` and
        `extra` are the driver's own); `not_open` before an open or after a close."""
        d = require_open(self.service)
        return DeviceInfo(
            kind=kind,
            driver=self.driver_name,
            model=d.make_model,
            serial=serial,
            firmware=d.firmware or d.service_version,
            port=self.service.url or "-",
            simulated=self.simulated,
            extra=extra,
        )

    def keep_best(
        self, take: Callable[[int], A], *, attempts: int, chain: CaptureChain, cancel: CancelToken,
        on_attempt: Callable[[int, A], None] | None,
    ) -> A:  # fmt: skip
        """Up to `attempts` of `take` (passing first, then the highest mean score), and the
        kept one's hashes appended to `chain`: only the kept attempt enters the record's chain."""
        best, _taken = best_attempt(
            take, attempts=attempts, passed=lambda c: c.passed, score=lambda c: c.mean_score, cancel=cancel,
            on_attempt=on_attempt,
        )  # fmt: skip
        chain.advance(best.sbi.hashes, after=best.sbi.previous_hash)
        return best

    def self_test(
        self,
        *,
        on_step: StepCallback | None = None,
        cancel: CancelToken | None = None,
        progress: Progress = no_progress,
    ) -> list[SelfTestStep]:
        from devices.sbi.selftest import run_self_test

        return run_self_test(
            self.service, device=self.self_test_device, sub_id=self.self_test_sub_id,
            threshold=self.self_test_threshold(), simulated=self.simulated, on_step=on_step, cancel=cancel,
            progress=progress, language=self.language,
        )  # fmt: skip
