"""Qt's own buttons speak the UI's language (Qt ships no Indonesian translation)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

Button = QMessageBox.StandardButton


def _texts(box: QMessageBox) -> dict[Button, str]:
    return {which: box.button(which).text() for which in (Button.Yes, Button.No, Button.Cancel)}


def test_message_box_buttons_are_indonesian(qtbot, indonesian) -> None:  # type: ignore[no-untyped-def]
    box = QMessageBox(QMessageBox.Icon.Question, "t", "q", Button.Yes | Button.No | Button.Cancel)
    qtbot.addWidget(box)
    assert _texts(box) == {Button.Yes: "&Ya", Button.No: "&Tidak", Button.Cancel: "Batal"}


def test_english_keeps_qt_texts(qtbot, qapp) -> None:  # type: ignore[no-untyped-def]
    from ui import i18n

    i18n.install(qapp, "en")
    box = QMessageBox(QMessageBox.Icon.Question, "t", "q", Button.Yes | Button.No | Button.Cancel)
    qtbot.addWidget(box)
    assert _texts(box) == {Button.Yes: "&Yes", Button.No: "&No", Button.Cancel: "Cancel"}


def test_dialog_button_box_ok_cancel(qtbot, indonesian) -> None:  # type: ignore[no-untyped-def]
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(buttons)
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok).text()
    cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel).text()
    assert (ok, cancel) == ("OK", "Batal")
