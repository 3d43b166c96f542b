"""A word completer whose popup does not swallow the click that closes it.

Seen by hand: after typing a job title, the first click on "Lanjut: foto" did nothing
and a second one worked. While a QCompleter's popup is open it grabs the mouse, and a
press outside it only closes it (QCompleter's own event filter consumes the press),
so the operator's click is lost with no reason shown. `ClickThrough` sits in front of
that filter (a later-installed filter runs first): a press outside the popup closes it
and is given to what was under the pointer, a button's click or a field's focus.
Trap: the target is looked up after the popup is hidden, or `widgetAt` could find the
popup itself where it overlaps the target.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QCompleter, QWidget

log = logging.getLogger(__name__)


class ClickThrough(QObject):
    """Event filter for a completer's popup: a press outside it is not lost."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.MouseButtonPress or not isinstance(watched, QWidget):
            return False
        if not isinstance(event, QMouseEvent) or event.button() != Qt.MouseButton.LeftButton:
            return False
        at = event.globalPosition().toPoint()
        if watched.rect().contains(watched.mapFromGlobal(at)):
            return False  # a choice in the list: the completer's own business
        watched.hide()
        target = QApplication.widgetAt(at)
        if isinstance(target, QAbstractButton):
            if target.isEnabled():
                QTimer.singleShot(0, target.click)  # after this press is done with
        elif target is not None and target.focusPolicy() & Qt.FocusPolicy.ClickFocus:
            target.setFocus(Qt.FocusReason.MouseFocusReason)
        return True


def word_completer(words: Iterable[str], parent: QWidget) -> QCompleter:
    """Case-insensitive, match-anywhere completion over `words`, with a click-through popup."""
    completer = QCompleter(list(words), parent)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    popup = completer.popup()  # made now, so its QCompleter filter is installed before ours
    if popup is not None:  # always, for a QCompleter; typed as optional
        popup.installEventFilter(ClickThrough(completer))
    return completer
