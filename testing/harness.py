"""A real central receiver process and a station joined to it, for sync tests.

Everything runs on 127.0.0.1 with ephemeral ports; every wait is bounded.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from central.cli import main as central_main
from station.config import load_config, save_config
from station.core import StationCore
from station.sync.packets import ensure_signing_key
from station.sync.trust import install_central_keys
from wire.keys import public_pem

CENTRAL = [sys.executable, "-m", "central.cli"]


def central(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`station-central ARGS --home HOME` in a process of its own, as an operator runs it."""
    return subprocess.run(
        [*CENTRAL, *args, "--home", str(home)], capture_output=True, text=True, timeout=timeout, check=False
    )


def central_here(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The same command through `central.cli.main` in this process, for the harness's own
    set-up steps (init, pubkey, stations add, report): the same code as the command,
    without starting and importing a new interpreter each time (about 0.7 s a call, and
    every sync test makes four). `serve` always runs in a process of its own."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            rc = central_main([*args, "--home", str(home)])
        except SystemExit as exc:  # argparse refusing the arguments
            rc = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess([*CENTRAL, *args], rc, out.getvalue(), err.getvalue())


class CentralServer:
    """`station-central serve` in a subprocess; kill -9 and restart on the same port."""

    def __init__(
        self, home: Path, *, downstream_delay: float = 0.0, skew: float = 300.0, log: Path | None = None
    ) -> None:
        self.home = home
        self.log = log  # where the receiver's stderr goes (appended; restarts included), else nowhere
        self.args = ["--downstream-delay", str(downstream_delay), "--skew", str(skew)]
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None
        result = central_here(home, "init")
        assert result.returncode == 0, result.stderr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> CentralServer:
        with nullcontext(subprocess.DEVNULL) if self.log is None else self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                [*CENTRAL, "serve", "--home", str(self.home), "--port", str(self.port), *self.args],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "serving on http://" in line:
                self.port = int(line.rsplit(":", 1)[1])
                break
            if not line and self.proc.poll() is not None:
                raise AssertionError("the central receiver exited at start")
        else:
            raise AssertionError("the central receiver did not start in time")
        return self

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None

    def report(self) -> dict[str, Any]:
        result = central_here(self.home, "report", "--json")
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    def pubkey(self) -> bytes:
        result = central_here(self.home, "pubkey")
        assert result.returncode == 0, result.stderr
        return result.stdout.encode()


def join(core: StationCore, server: CentralServer, *, url: str | None = None, register: bool = True) -> None:
    """Install the centre's keys and URL at the station, and register the station at the centre."""
    installed = install_central_keys(core.home, server.pubkey())
    assert installed.receipt_key, "the centre's pubkey printed no receipt key (not protocol v2 yet?)"
    config = load_config(core.home)
    config.central_url = url or server.url
    config.sync.request_timeout_s = 5.0
    save_config(config, core.home)
    core.config = config
    if register:
        pub = core.home / "station.pub"
        pub.write_bytes(public_pem(ensure_signing_key(core.home)))
        result = central_here(server.home, "stations", "add", "--code", core.station().code, "--public-key", str(pub))
        assert result.returncode == 0, result.stderr


def station_env(home: Path) -> dict[str, str]:
    return {**os.environ, "STATION_HOME": str(home)}
