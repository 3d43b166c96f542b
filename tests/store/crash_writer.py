"""A child process for the crash test: enrolls residents one by one, as the app does.

Each resident goes through the workflow with drafts saved at every step, then is
sealed on its own transaction; "SEALED <reg_no> <uuid>" is printed only after the
seal returned (that is, after the commit). The parent kills this process with
SIGKILL at random instants.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from common.biometrics import FingerPosition
from station.auth import Role, User
from station.core import StationCore
from station.synthetic import synthetic_resident
from station.synthetic_biometrics import SyntheticBiometrics
from station.workflow import EnrollmentWorkflow


def main() -> None:
    home, seed = Path(sys.argv[1]), int(sys.argv[2])
    core = StationCore.open(home)
    user = User("spv", "Supervisor", Role.SUPERVISOR)
    bio = SyntheticBiometrics()
    today = date.today()
    # One set of real captures made before READY: generating images is not what this
    # test is about, and the kills must land while records are being written.
    face = bio.face(seed, 1990)
    fingers = {p: bio.finger(seed, p) for p in FingerPosition}
    signature = bio.signature(seed)
    irises = {eye: bio.iris(seed, eye) for eye in ("right", "left")}
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
