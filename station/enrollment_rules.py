"""The counter's rules around one enrollment, decided once for the app and the CLI.

Whether an enrollment may start (the person's role, and the hard offline limits of
station.sync.limits) used to be decided by the main window and again by
`station enroll-synthetic`; what cancel does was decided by the wizard, which called
the store past the workflow. Both live here now, and the screens only call them.

The third rule, which ticket a record serves, is kept with the record: the ticket's id
travels in the draft (store.enrollments persists it), and the seal marks the ticket
SERVED inside the sealing transaction (store.tickets' seal hook). A logout or a crash
between the seal and "Next resident" therefore cannot leave the ticket CALLED.
"""

from __future__ import annotations

import logging

from common.errors import AuthError
from common.text import Text
from station.auth import ROLE_LABELS, Role, User
from station.core import StationCore
from station.sync.limits import require_can_enroll, station_limits
from station.workflow import EnrollmentWorkflow

log = logging.getLogger(__name__)

MAY_ENROLL = (Role.OPERATOR, Role.SUPERVISOR)


def require_may_start(core: StationCore, user: User) -> None:
    """May `user` start an enrollment now? Raises the refusal, in both languages: an
    AuthError (`auth.role`) for a role that does not enroll, or EnrollmentBlocked
    (`limits.blocked`) naming each hard offline limit reached, its value and the remedy."""
    if user.role not in MAY_ENROLL:
        raise AuthError(
            Text(
                f"Peran {ROLE_LABELS[user.role].id} tidak boleh memulai perekaman.",
                f"The {ROLE_LABELS[user.role].en} role may not start an enrollment.",
            ),
            code="auth.role",
        )
    require_can_enroll(station_limits(core))


def start_enrollment(core: StationCore, user: User, *, ticket_id: int | None = None) -> EnrollmentWorkflow:
    """A new enrollment for `user`, after `require_may_start`; `ticket_id` is the called
    ticket it serves (kept in the draft, served by the seal)."""
    require_may_start(core, user)
    return EnrollmentWorkflow(core.enrollments, user, ticket_id=ticket_id)


def cancel_enrollment(workflow: EnrollmentWorkflow, *, actor: str) -> None:
    """Cancel goes through the workflow (which refuses a sealed record and discards the
    stored draft, audited with `actor`); the called ticket stays CALLED, as before, for
    the counter to call again or mark as a no-show."""
    workflow.cancel(actor=actor)
