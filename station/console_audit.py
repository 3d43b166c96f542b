"""Audit entries the counter's screens ask for, written by the core.

The main window used to open its own write transaction to audit a console being
opened; a screen that writes the audit log is a second place that decides what an
audit event looks like. Here it is one function, and the change is announced
(`Change.AUDIT`) once the transaction has committed.
"""

from __future__ import annotations

from station.auth import User
from station.core import StationCore
from station.events import Change
from store import audit


def console_opened(core: StationCore, user: User, console: str) -> None:
    """`user` opened the `console` ("devices", "sync" or "admin")."""
    with core.db.write() as session:
        audit.append(session, "console_open", actor=user.username, target=console)
    core.events.notify(Change.AUDIT)
