"""PageStack: one page shown, only that page in the layout, focus follows the page."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.widgets import PageStack


def page_with_field() -> tuple[QWidget, QLineEdit]:
    page = QWidget()
    field = QLineEdit()
    QVBoxLayout(page).addWidget(field)
    return page, field


def two_field_pages(qtbot: Any) -> tuple[PageStack, QLineEdit, QWidget, QLineEdit]:
    """A shown stack of two pages with a line edit each: (stack, first field, second page, its field)."""
    stack = PageStack()
    qtbot.addWidget(stack)
    first, first_field = page_with_field()
    second, second_field = page_with_field()
    stack.addWidget(first)
    stack.addWidget(second)
    stack.resize(500, 300)
    stack.show()
    qtbot.waitExposed(stack)
    return stack, first_field, second, second_field


def test_one_page_is_shown_and_only_it_sizes_the_stack(qtbot: Any) -> None:
    stack = PageStack()
    qtbot.addWidget(stack)
    small, big = QWidget(), QWidget()
    small.setMinimumSize(100, 50)
    big.setMinimumSize(400, 300)
    assert stack.addWidget(small) == 0 and stack.addWidget(big) == 1
    stack.show()
    assert stack.currentWidget() is small and small.isVisible() and not big.isVisible()
    # A hidden page does not take part in layout (QStackedWidget would report 400 x 300).
    assert stack.minimumSizeHint().width() < 400
    stack.setCurrentWidget(big)
    assert big.isVisible() and not small.isVisible()
    assert stack.minimumSizeHint().width() >= 400 and stack.minimumSizeHint().height() >= 300


def test_the_focus_moves_into_the_shown_page(qtbot: Any) -> None:
    stack, first_field, second, second_field = two_field_pages(qtbot)
    stack.activateWindow()
    first_field.setFocus()
    qtbot.waitUntil(first_field.hasFocus)
    stack.setCurrentWidget(second)
    qtbot.waitUntil(second_field.hasFocus)


def test_removing_the_shown_page_shows_another_and_foreign_pages_are_refused(qtbot: Any) -> None:
    stack = PageStack()
    qtbot.addWidget(stack)
    a, b = QWidget(), QPushButton("b")
    stack.addWidget(a)
    stack.addWidget(b)
    stack.show()
    stack.removeWidget(a)
    assert stack.currentWidget() is b and b.isVisible() and stack.count() == 1
    stack.removeWidget(a)  # twice: nothing happens
    assert stack.count() == 1
    try:
        stack.setCurrentWidget(QWidget())
    except ValueError as e:
        assert "not a page" in str(e)
    else:
        raise AssertionError("a widget that is not a page was accepted")
    stack.removeWidget(b)
    assert stack.currentWidget() is None


def test_a_warmed_page_is_laid_out_before_it_is_shown(qtbot: Any) -> None:
    stack, field, later, later_field = two_field_pages(qtbot)
    laid_out = field.width()  # the same layout, on the page shown at the stack's size
    assert later_field.width() != laid_out  # never laid out yet (Qt's default size)
    stack.warm(later)
    assert not later.isVisible() and later.size() == stack.size()
    assert later_field.width() == laid_out


def test_switching_pages_does_not_grow_the_window(qtbot: Any) -> None:
    """Two pages that each need most of the window's height: the window keeps its size
    (with both visible for a moment, Qt would grow it to fit both)."""
    window = QWidget()
    qtbot.addWidget(window)
    stack = PageStack()
    QVBoxLayout(window).addWidget(stack)
    first, second = QWidget(), QWidget()
    first.setMinimumHeight(300)
    second.setMinimumHeight(300)
    stack.addWidget(first)
    stack.addWidget(second)
    window.resize(500, 400)
    window.show()
    qtbot.waitExposed(window)
    for page in (second, first, second):
        stack.setCurrentWidget(page)
        qtbot.wait(20)
        assert window.height() == 400 and window.minimumHeight() < 400
