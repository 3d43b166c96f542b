"""A child process for the crash test: enrolls residents one by one, as the app does.

Each resident goes through the workflow with drafts saved at every step, then is
sealed on its own transaction; "SEALED <reg_no> <uuid>" is printed only after the
seal returned (that is, after the commit). The parent kills this process with
SIGKILL at random instants.

It prints WARM once its imports are done and its captures read, and opens the store only when
the parent writes GO on its standard input: the parent starts the next writer while the
current one runs, so a writer's start-up is not a pause between kills.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from common.biometrics import FACE, SIGNATURE, CapturedItem, FingerPosition, ItemFormat, iris_kind
from station.auth import Role, User
from station.core import StationCore
from station.synthetic import synthetic_resident
from station.workflow import EnrollmentWorkflow

EYES = ("right", "left")


def load_captures(folder: Path) -> dict[str, CapturedItem]:
    """The captures the parent made once (see test_crash.write_captures), by item kind."""
    items = {}
    for entry in json.loads((folder / "captures.json").read_text()):
        items[entry["kind"]] = CapturedItem(
            kind=entry["kind"],
            format=ItemFormat(entry["format"]),
            payload=(folder / entry["file"]).read_bytes(),
            quality=entry["quality"],
            device_driver=entry["device_driver"],
            device_model=entry["device_model"],
            simulated=True,
            captured_at=datetime.now(UTC),
        )
    return items


def main() -> None:
    home, seed, captures = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    user = User("spv", "Supervisor", Role.SUPERVISOR)
    today = date.today()
    # Real captures, made once by the parent and read here before READY: generating
    # images is not what this test is about, and the kills must land while records are
    # being written.
    items = load_captures(captures)
    face = items[FACE]
    fingers = {p: items[p.item_kind] for p in FingerPosition}
    signature = items[SIGNATURE]
    irises = {eye: items[iris_kind(eye)] for eye in EYES}
    # Warmed up while the previous writer still runs; the store is opened only after
    # the parent killed that one and checked it.
    print("WARM", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return  # the parent is gone or gave up: write nothing
    core = StationCore.open(home)
    print("READY", flush=True)
    n = 0
    while True:
        s = seed * 100_000 + n
        n += 1
        resident = synthetic_resident(s, today)
        wf = EnrollmentWorkflow(core.enrollments, user, today=lambda: today)
        wf.submit_demographics(resident.demographics)
        wf.set_face(face)
        wf.set_signature(signature)
        for p in FingerPosition:
            wf.set_finger(p, fingers[p])
        for eye, iris in irises.items():
            wf.set_iris(eye, iris)
        result = wf.seal()
        print(f"SEALED {result.reg_no} {result.uuid}", flush=True)


if __name__ == "__main__":
    main()
