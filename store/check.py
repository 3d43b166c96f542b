"""`station db check`: every way the store can be wrong, each named.

Checks: SQLite's integrity check, the audit hash chain, the gap-free sequence, and
that every sealed item decrypts under its own record and kind and matches its hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from common.progress import CancelToken, Progress, no_progress
from store import audit
from store.crypto import DataKey, TamperedError, sha256_hex
from store.db import Database
from store.enrollments import DEMOGRAPHICS_KIND, DRAFT
from store.models import BiometricItem, Enrollment
from store.models import Station as StationRow


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str
    problems: list[str] = field(default_factory=list)


def check_integrity(db: Database) -> CheckResult:
    with db.read() as session:
        rows = [r[0] for r in session.execute(text("PRAGMA integrity_check"))]
    ok = rows == ["ok"]
    return CheckResult("sqlite_integrity", ok, "ok" if ok else f"{len(rows)} problems", [] if ok else rows[:20])


def check_audit_chain(db: Database) -> CheckResult:
    with db.read() as session:
        count, problems = audit.verify_chain(session)
    return CheckResult(
        "audit_chain",
        not problems,
        f"{count} events verified" if not problems else f"{len(problems)} broken links in {count} events",
        [f"audit event {p.seq}: {p.problem}" for p in problems[:20]],
    )


def check_sequence(db: Database) -> CheckResult:
    with db.read() as session:
        station = session.get(StationRow, 1)
        count, lowest, highest = session.execute(
            select(
                func.count(Enrollment.station_seq), func.min(Enrollment.station_seq), func.max(Enrollment.station_seq)
            )
        ).one()
        problems: list[str] = []
        if count:
            if lowest != 1:
                problems.append(f"sequence starts at {lowest}, not 1")
            if highest != count:
                seqs = {
                    s
                    for (s,) in session.execute(
                        select(Enrollment.station_seq).where(Enrollment.station_seq.is_not(None))
                    )
                }
                missing = [n for n in range(1, (highest or 0) + 1) if n not in seqs]
                problems.append(f"missing station_seq: {missing[:20]}{' ...' if len(missing) > 20 else ''}")
        if station is not None and station.next_seq != (highest or 0) + 1:
            problems.append(f"next_seq is {station.next_seq} but the highest sealed is {highest or 0}")
        sealed_without_seq = session.scalar(
            select(func.count()).where(Enrollment.state != DRAFT, Enrollment.station_seq.is_(None))
        )
        if sealed_without_seq:
            problems.append(f"{sealed_without_seq} sealed records have no station_seq")
    return CheckResult("sequence_gap_free", not problems, f"{count} sealed, highest {highest or 0}", problems)


def check_payloads(
    db: Database, key: DataKey, *, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> CheckResult:
    problems: list[str] = []
    checked = 0
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.state != DRAFT)) or 0
        enrollments = session.execute(
            select(Enrollment.id, Enrollment.uuid, Enrollment.reg_no, Enrollment.demographics)
            .where(Enrollment.state != DRAFT)
            .order_by(Enrollment.id)
        ).all()
        for n, (eid, record_uuid, reg_no, demographics) in enumerate(enrollments, 1):
            if cancel is not None:
                cancel.raise_if_cancelled()
            try:
                key.decrypt(demographics, record_uuid=record_uuid, kind=DEMOGRAPHICS_KIND)
            except TamperedError:
                problems.append(f"{reg_no}: demographics do not decrypt")
            items = session.execute(
                select(BiometricItem.kind, BiometricItem.payload, BiometricItem.payload_sha256).where(
                    BiometricItem.enrollment_id == eid
                )
            )
            for kind, payload, digest in items:
                if payload is None:
                    continue
                checked += 1
                try:
                    plain = key.decrypt(payload, record_uuid=record_uuid, kind=kind)
                except TamperedError:
                    problems.append(f"{reg_no}: {kind} does not decrypt (altered or swapped)")
                    continue
                if sha256_hex(plain) != digest:
                    problems.append(f"{reg_no}: {kind} does not match its stored hash")
            if n % 500 == 0:
                progress(n / max(total, 1), f"{n}/{total} records")
    return CheckResult(
        "payloads_decrypt",
        not problems,
        f"{checked} items in {total} sealed records",
        problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else []),
    )


def check_sealed_complete(db: Database) -> CheckResult:
    """A sealed record has a face, ten fingers, a signature and two irises: each as data or
    an exception. A record sealed before the iris step (the same less the two irises) is
    complete too: it was complete when it was sealed."""
    from common.biometrics import ALL_ITEM_KINDS, IRIS_ITEM_KINDS

    counts = (len(ALL_ITEM_KINDS), len(ALL_ITEM_KINDS) - len(IRIS_ITEM_KINDS))

    with db.read() as session:
        rows = session.execute(
            select(Enrollment.reg_no, func.count(BiometricItem.id))
            .join(BiometricItem, BiometricItem.enrollment_id == Enrollment.id, isouter=True)
            .where(Enrollment.state != DRAFT)
            .group_by(Enrollment.id)
            .having(func.count(BiometricItem.id).not_in(counts))
        ).all()
        bad_items = session.execute(
            select(Enrollment.reg_no, BiometricItem.kind)
            .join(BiometricItem, BiometricItem.enrollment_id == Enrollment.id)
            .where(Enrollment.state != DRAFT, BiometricItem.payload.is_(None), BiometricItem.exception_reason.is_(None))
        ).all()
    problems = [f"{reg}: {n} items instead of {counts[0]}" for reg, n in rows[:20]]
    problems += [f"{reg}: {kind} has neither data nor an exception reason" for reg, kind in bad_items[:20]]
    return CheckResult(
        "sealed_complete", not problems, "ok" if not problems else f"{len(rows) + len(bad_items)} incomplete", problems
    )


def run_all(db: Database, key: DataKey, *, progress: Progress = no_progress) -> list[CheckResult]:
    return [
        check_integrity(db),
        check_audit_chain(db),
        check_sequence(db),
        check_sealed_complete(db),
        check_payloads(db, key, progress=progress),
    ]
