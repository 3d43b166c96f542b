"""Receiver processes for the centre benchmark, and where their CPU time goes.

`start_receivers` runs `station-central serve` on one database: as one `serve --workers W`
when the command has that option (and `separate` is not asked), else as W `serve --port 0`
processes the stations are spread over. `CpuSnapshot` reads /proc for the CPU seconds of
process trees (the receivers, the PostgreSQL cluster, this process) and of the machine,
so a benchmark can say which of them the cores went to and how much went to others.
`SAMPLER` is a sitecustomize.py that, with BENCH_PROFILE_DIR set, samples the stacks of
every thread of a receiver every 5 ms and writes the tallies when the process exits.

Traps:
- A process that exits inside a window takes its CPU seconds with it (/proc only counts
  the living); PostgreSQL backends and receivers live for the whole phase, so this is small.
- The sampler counts where threads *are*, not CPU: a thread blocked in C (a lock, a
  socket) shows as its Python caller. Known idle waits are left out; waits on PostgreSQL
  (psycopg's wait functions) stay in, named, because they are latency the receiver pays.
- uvicorn ends by re-raising SIGTERM, so atexit handlers may never run: the sampler
  writes its tallies every second.
- `serve` writes uvicorn's access log to stdout, a line a request: its stdout must go to
  a file, never to a pipe nobody drains (a full pipe blocks the receiver mid-request).
- The receivers may run another source tree than this one (`src`: e.g. `git archive HEAD`
  while work on the centre is uncommitted); it goes first on their PYTHONPATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CLK = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_S = 60
SRC = "BENCH_CENTRE_SRC"
SERVING = re.compile(r"serving on http://[^\s]+:(\d+)")


def has_workers_option(env: dict[str, str]) -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "central.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=env[SRC],
        timeout=60,
    )
    return "--workers" in out.stdout


def central_env(src: Path, profile_dir: Path | None = None) -> dict[str, str]:
    """The environment to run `station-central` from `src`; run it with cwd=env[SRC] too
    (`python -m` puts the working directory before PYTHONPATH)."""
    paths = [str(src)]
    env = dict(os.environ)
    env[SRC] = str(src)
    if profile_dir is not None:
        site = profile_dir / "site"
        site.mkdir(parents=True, exist_ok=True)
        (site / "sitecustomize.py").write_text(SAMPLER)
        paths.insert(0, str(site))
        env["BENCH_PROFILE_DIR"] = str(profile_dir)
        env["BENCH_PROFILE_ROOT"] = str(src)
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


@dataclass
class Receivers:
    procs: list[subprocess.Popen[bytes]]
    targets: list[tuple[str, int]]
    mode: str

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]


def _wait_serving(proc: subprocess.Popen[bytes], log: Path, deadline: float) -> int:
    """The port from `serve`'s "serving on http://HOST:PORT" line, read from its log file."""
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if proc.poll() is not None:
            raise RuntimeError(f"station-central serve exited at start (status {proc.returncode}); see {log}")
        time.sleep(0.1)
    raise RuntimeError("station-central serve did not start in time")


def _wait_healthy(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the receiver on port {port} never answered /v1/health")


def start_receivers(
    *,
    home: Path,
    db_url: str,
    workers: int,
    env: dict[str, str],
    use_workers_option: bool,
    max_connections: int,
    log_dir: Path,
) -> Receivers:
    """W receiver processes on one database, every one answering /v1/health."""
    base = [sys.executable, "-m", "central.cli", "serve", "--home", str(home), "--db", db_url, "--port", "0"]
    base += ["--max-connections", str(max_connections)]
    runs = [[*base, "--workers", str(workers)]] if use_workers_option else [base] * workers
    procs: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        for i, args in enumerate(runs):
            path = log_dir / f"serve-{i}.log"
            with open(path, "wb") as log:  # the child keeps its own copy of the descriptor
                procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=env[SRC]))
            ports.append(_wait_serving(procs[-1], path, deadline))
        for port in ports:
            _wait_healthy(port, deadline)
    except BaseException:
        Receivers(procs, [], "").stop()
        raise
    mode = f"serve --workers {workers}" if use_workers_option else f"{workers} x serve --port 0"
    return Receivers(procs, [("127.0.0.1", p) for p in ports], mode)


# --- CPU accounting ---------------------------------------------------------------------------


def _proc_cpu_s(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of `pid`, and with `reaped` of the children it has waited for: a
    process that ends takes its time with it, into its parent's cutime/cstime, so a
    tree counted without them loses the time of every member that ended between two
    snapshots (PostgreSQL backends of a pool that was closed showed as 0.2 s)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = int(rest[11]) + int(rest[12])  # utime, stime
    return (own + (int(rest[13]) + int(rest[14]) if reaped else 0)) / CLK  # cutime, cstime


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    out[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return out


def tree(roots: list[int]) -> list[int]:
    """The roots and all their descendants, alive now."""
    parents = _parents()
    found, frontier = set(roots), list(roots)
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parents.items() if p == pid and c not in found]
        found.update(kids)
        frontier.extend(kids)
    return sorted(found)


def machine_cpu_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLK, sum(fields) / CLK


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    groups: dict[str, float]
    machine_busy: float
    machine_total: float

    @classmethod
    def take(cls, groups: dict[str, list[int]], alone: dict[str, int] | None = None) -> CpuSnapshot:
        """`groups`: process trees (the roots and their descendants, ended ones included); `alone`: one process
        without its children (the benchmark itself, whose children are the receivers)."""
        counted = {name: sum(_proc_cpu_s(p, reaped=True) for p in tree(pids)) for name, pids in groups.items()}
        counted.update({name: _proc_cpu_s(pid) for name, pid in (alone or {}).items()})
        busy, total = machine_cpu_s()
        return cls(time.monotonic(), counted, busy, total)

    def until(self, later: CpuSnapshot) -> dict[str, float]:
        """CPU seconds per group between the two, `other` = the machine's rest, and the
        share of all cores that was busy."""
        out = {k: round(later.groups.get(k, 0.0) - v, 1) for k, v in self.groups.items()}
        busy = later.machine_busy - self.machine_busy
        out["other_processes"] = round(busy - sum(out.values()), 1)
        out["machine_busy_share"] = round(busy / max(1e-9, later.machine_total - self.machine_total), 3)
        out["wall_s"] = round(later.at - self.at, 1)
        return out


SAMPLER = r'''
"""Benchmark sampler (testing/central_nodes.py): stacks of every thread every 5 ms."""
import atexit, collections, json, os, sys, threading, time

_DIR = os.environ.get("BENCH_PROFILE_DIR")
_ROOT = os.environ.get("BENCH_PROFILE_ROOT", "")
_IDLE = {("selectors.py", "select"), ("threading.py", "wait"), ("thread.py", "_worker"), ("queue.py", "get"),
         ("base_events.py", "_run_once"), ("threading.py", "_wait_for_tstate_lock"), ("connection.py", "wait"),
         ("popen_fork.py", "poll"), ("threading.py", "_bootstrap_inner"), ("_base.py", "wait"),
         ("pool.py", "get"), ("tasks.py", "sleep"), ("runners.py", "run"),
         ("workers.py", "run"), ("workers.py", "_stop_all")}  # serve --workers: the supervisor waits
if _DIR:
    _leaf, _own, _total = collections.Counter(), collections.Counter(), [0, 0]

    def _sample():
        me = threading.get_ident()
        next_dump = time.monotonic() + 1.0
        while True:
            time.sleep(0.005)
            if time.monotonic() > next_dump:  # uvicorn ends by re-raising SIGTERM: atexit may never run
                _dump()
                next_dump = time.monotonic() + 1.0
            _total[1] += 1
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                code = frame.f_code
                key = (os.path.basename(code.co_filename), code.co_name)
                if key in _IDLE:
                    continue
                _total[0] += 1
                _leaf[f"{key[0]}:{code.co_name}"] += 1
                f = frame
                while f is not None and not (f.f_code.co_filename.startswith(_ROOT) and "site-packages" not in f.f_code.co_filename):
                    f = f.f_back
                if f is not None:
                    _own[f"{os.path.relpath(f.f_code.co_filename, _ROOT)}:{f.f_code.co_name}"] += 1

    def _dump():
        path = os.path.join(_DIR, f"profile-{os.getpid()}.json")
        with open(path + ".tmp", "w") as out:
            json.dump({"busy_samples": _total[0], "ticks": _total[1], "leaf": _leaf.most_common(40),
                       "project": _own.most_common(40)}, out)
        os.replace(path + ".tmp", path)

    def _start():
        threading.Thread(target=_sample, daemon=True, name="bench-sampler").start()

    def _restart_in_child():  # serve --workers forks its receivers: a fork keeps no threads
        _leaf.clear(); _own.clear(); _total[:] = [0, 0]
        _start()

    _start()
    os.register_at_fork(after_in_child=_restart_in_child)
    atexit.register(_dump)
'''
