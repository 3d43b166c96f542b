"""The seal serves the called ticket, in the sealing transaction.

A record started from a called ticket keeps the ticket's id in its draft
(`EnrollmentData.ticket_id`). `serve_ticket_on_seal` is a seal hook
(store.enrollments.SealHook): it runs inside the seal's write transaction, so the
ticket becomes SERVED, linked to the record and audited exactly when the seal commits.
A logout, a crash or a closed window between the seal and "Next resident" can no
longer leave the ticket CALLED.

Traps: the ticket may have changed since it was called (another counter marked it a
no-show or put it back in line, or it is already served): the UPDATE is guarded by
CALLED, and a ticket that is no longer CALLED is left as it is and logged; the seal
itself must never fail for the ticket's sake. A ticket already SERVED by this same
record (a retried seal) is a no-op.
"""

from __future__ import annotations

import logging
from typing import cast

from sqlalchemy import Connection, Table, select

from store import audit
from store.enrollments import SealedRecord
from store.ticket_models import CALLED, SERVED, Ticket

log = logging.getLogger(__name__)

_TICKETS = cast(Table, Ticket.__table__)


def serve_ticket_on_seal(conn: Connection, sealed: SealedRecord) -> None:
    """Mark the record's called ticket SERVED with it (a seal hook)."""
    ticket_id = sealed.data.ticket_id
    if ticket_id is None:
        return
    record_uuid = sealed.data.uuid
    done = conn.execute(
        _TICKETS.update()
        .where(_TICKETS.c.id == ticket_id, _TICKETS.c.state == CALLED)
        .values(state=SERVED, served_at=sealed.sealed_at, record_uuid=record_uuid)
    )
    if done.rowcount != 1:
        row = conn.execute(select(_TICKETS.c.state, _TICKETS.c.record_uuid).where(_TICKETS.c.id == ticket_id)).first()
        if row is None or tuple(row) != (SERVED, record_uuid):
            log.warning(
                "sealed %s for ticket %d, which is %s: left as it is",
                sealed.reg_no, ticket_id, "gone" if row is None else row[0],
            )  # fmt: skip
        return
    day, number = conn.execute(select(_TICKETS.c.day, _TICKETS.c.number).where(_TICKETS.c.id == ticket_id)).one()
    audit.append_on(
        conn,
        "queue_served",
        actor=sealed.data.operator,
        target=f"{day} {number}",
        detail={"ticket_id": ticket_id, "uuid": record_uuid},
        at=sealed.sealed_at,
    )
    log.info("served ticket %s %s with %s", day, number, sealed.reg_no)
