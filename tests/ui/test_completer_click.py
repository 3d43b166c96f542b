"""A click that closes a completer's popup still reaches what was clicked."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.completer import ClickThrough, word_completer


def _form(qtbot):  # type: ignore[no-untyped-def]
    """A form with the popup open; the caller keeps the form (qtbot only holds it weakly)."""
    form = QWidget()
    layout = QVBoxLayout(form)
    button = QPushButton("Lanjut: foto")  # above the field: the popup opens below it
    other = QLineEdit()
    job = QLineEdit()
    job.setCompleter(word_completer(["Petani", "Pedagang", "Pegawai negeri"], job))
    for w in (button, other, job):
        layout.addWidget(w)
    form.resize(320, 200)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    job.setFocus()
    QTest.keyClicks(job, "pe")
    popup = job.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    return form, button, other, job, popup


def _press_outside(popup, target) -> None:  # type: ignore[no-untyped-def]
    """The press as the popup gets it while it grabs the mouse: at a point outside it."""
    at = popup.mapFromGlobal(target.mapToGlobal(target.rect().center()))
    assert not popup.rect().contains(at)
    QTest.mouseClick(popup, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(at))


def test_the_click_that_closes_the_popup_presses_the_button(qtbot) -> None:  # type: ignore[no-untyped-def]
    _form_, button, _, _, popup = _form(qtbot)
    with qtbot.waitSignal(button.clicked, timeout=5000):
        _press_outside(popup, button)
    assert not popup.isVisible()


def test_the_click_that_closes_the_popup_focuses_the_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    _form_, _, other, job, popup = _form(qtbot)
    _press_outside(popup, other)
    assert not popup.isVisible()
    qtbot.waitUntil(other.hasFocus, timeout=5000)


def test_a_press_inside_the_list_is_left_to_the_completer(qtbot) -> None:  # type: ignore[no-untyped-def]
    _form_, _, _, job, popup = _form(qtbot)
    inside = popup.rect().center()
    press = QMouseEvent(
        QEvent.Type.MouseButtonPress,
        QPointF(inside),
        QPointF(popup.mapToGlobal(inside)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    assert ClickThrough().eventFilter(popup, press) is False
    assert popup.isVisible() and job.text() == "pe"
