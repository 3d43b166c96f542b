"""Each screen declares the messages it can show on its message line.

After Orange's widget messages: a screen lists, as class attributes of one nested group,
every message it may put on its `MessageLine`, so a reader sees in one place what the
screen can say and a test can check each of them (translated, names unique):

    class TicketsPanel(QWidget):
        class Messages(ScreenMessages):
            context = "TicketsPanel"
            nobody_waiting = ErrorMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Nobody is waiting."))
            calling = OkMsg(QT_TRANSLATE_NOOP("TicketsPanel", "Calling {0}."))

        def __init__(self, ...):
            self.message = MessageLine()
            self.messages = TicketsPanel.Messages(self.message, ctx)

        ...  self.messages.calling(ticket.number)   # show, with its arguments
        ...  self.messages.nobody_waiting.clear()   # clear it if it is the one shown
        ...  self.messages.shown == "calling"       # what a test asserts

Source strings stay the English texts the screens passed to `self.tr()` before, in the
same translation context (the screen's class name), so the Bahasa Indonesia in
`ui/i18n/id/*.ts` keeps working: `QT_TRANSLATE_NOOP` is how `pyside6-lupdate` finds a
string that is not translated where it is written. A screen with several lines declares one group per line. Arguments fill Qt-style `%1`, `%2`
placeholders or Python `{0}` / `{name}` fields, whichever the source text uses.

Failures from the core (`Failure`, `UserFacingError`) are already bilingual and carry
their codes; they are shown as they are, through the generic entry `failure`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

from PySide6.QtCore import QCoreApplication

if TYPE_CHECKING:
    from common.errors import UserFacingError
    from ui.app_context import AppContext
    from ui.tasks import Failure
    from ui.widgets import MessageLine

Kind = Literal["error", "warning", "info", "ok"]

#: The name `shown` reports for a failure or user error from the core.
FAILURE = "failure"


class Msg:
    """One message a screen may show: its kind and its English source text.

    A class attribute of a `ScreenMessages` group; read from a bound group it gives a
    `BoundMsg` that shows or clears it.
    """

    kind: ClassVar[Kind] = "error"

    def __init__(self, source: object) -> None:
        # object: PySide6 types QT_TRANSLATE_NOOP's result so, though it is the string.
        if not isinstance(source, str):
            raise TypeError(f"a message's source is its English text, not {type(source).__name__}")
        self.source = source
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Msg: ...
    @overload
    def __get__(self, obj: ScreenMessages, owner: type) -> BoundMsg: ...
    def __get__(self, obj: ScreenMessages | None, owner: type) -> Msg | BoundMsg:
        if obj is None:
            return self
        return BoundMsg(obj, self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source!r})"


class ErrorMsg(Msg):
    """Something went wrong or the operator must do something first (red)."""

    kind = "error"


class WarningMsg(Msg):
    """Something to heed; shown like an error, since the line has two looks."""

    kind = "warning"


class InfoMsg(Msg):
    """A neutral note, such as work under way (plain text, neither red nor green)."""

    kind = "info"


class OkMsg(Msg):
    """A confirmation (green)."""

    kind = "ok"


class CoreMsg(Msg):
    """A message whose text comes from the core, already bilingual (a list of what is
    missing, say): declared so a reader sees the screen may show it; shown with
    `show_text(ctx.t(...))`, so it has no source string of its own to translate."""

    def __init__(self, kind: Kind = "error") -> None:
        self.source = ""
        self.name = ""
        self.core_kind: Kind = kind


def fill(text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """Put the arguments into a translated text: `%1`.. if it has them, else `{}` fields."""
    if not args and not kwargs:
        return text
    if args and "%1" in text:
        # One pass, as QString.arg: a value that itself holds "%2" is not filled again.
        return re.sub(r"%(\d+)", lambda m: str(args[int(m[1]) - 1]) if 0 < int(m[1]) <= len(args) else m[0], text)
    return text.format(*args, **kwargs)


class BoundMsg:
    """A declared message tied to a screen's line: call it to show it, `.clear()` to clear."""

    def __init__(self, group: ScreenMessages, msg: Msg) -> None:
        self._group = group
        self.msg = msg

    @property
    def name(self) -> str:
        return self.msg.name

    def text(self, *args: Any, **kwargs: Any) -> str:
        """The message in the current language, with its arguments."""
        return fill(QCoreApplication.translate(self._group.context, self.msg.source), args, kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self._group.show(self.msg.name, self.msg.kind, self.text(*args, **kwargs))

    def show_text(self, text: str) -> None:
        """Show this message as `text`: a core message's text, or `text()` plus notes."""
        kind = self.msg.core_kind if isinstance(self.msg, CoreMsg) else self.msg.kind
        self._group.show(self.msg.name, kind, text)

    def clear(self) -> None:
        """Clear the line if this message is the one on it (another message stays)."""
        if self._group.shown == self.msg.name:
            self._group.clear()

    @property
    def is_shown(self) -> bool:
        return self._group.shown == self.msg.name


class ScreenMessages:
    """The group of messages one screen declares, bound to that screen's `MessageLine`.

    Subclass it inside the screen, set `context` to the screen's class name (the context
    its `self.tr()` strings have in the .ts file) and declare each message as a `Msg`.
    """

    context: ClassVar[str] = ""

    def __init__(
        self,
        line: MessageLine,
        ctx: AppContext | None = None,
        *,
        lang: str | None = None,
        on_show: Callable[[], None] | None = None,
    ) -> None:
        """`lang` is for a screen without an app context yet (the first-run set-up);
        `on_show` runs before each message is written (a capture's status hides its
        Retry button then)."""
        self.line = line
        self.ctx = ctx
        self.lang = lang
        self.on_show = on_show
        self._shown: str | None = None
        self._text = ""

    @classmethod
    def declared(cls) -> dict[str, Msg]:
        """Every message of this group by name (its own and its bases')."""
        out: dict[str, Msg] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Msg):
                    out[name] = value
        return out

    @property
    def shown(self) -> str | None:
        """The name of the message on the line: a declared one, `"failure"`, or None.

        None also when something else has since written on the line.
        """
        if self._shown is None or self.line.text() != self._text:
            return None
        return self._shown

    def show(self, name: str, kind: Kind, text: str) -> None:
        if self.on_show is not None:
            self.on_show()
        if kind in ("error", "warning"):
            self.line.error(text)
        elif kind == "ok":
            self.line.ok(text)
        else:
            self.line.setStyleSheet("")
            self.line.setText(text)
        self._shown, self._text = name, self.line.text()

    def clear(self) -> None:
        """Empty the line, whatever is on it."""
        self.line.clear()
        self._shown, self._text = None, ""

    def failure(self, failure: Failure) -> None:
        """A failure from the core, in the station's language with its code, as it is."""
        self.show(FAILURE, "error", failure.message(self._lang()))

    def user_error(self, error: UserFacingError) -> None:
        """A refusal from the core (`UserFacingError`), as it is."""
        self.show(FAILURE, "error", error.text(self._lang()))

    def _lang(self) -> str:
        if self.ctx is not None:
            return self.ctx.lang
        assert self.lang is not None, "a group that shows the core's failures needs a context or a language"
        return self.lang


def all_groups() -> list[type[ScreenMessages]]:
    """Every declared group whose module has been imported (for the tests)."""
    out: list[type[ScreenMessages]] = []
    todo = list(ScreenMessages.__subclasses__())
    while todo:
        group = todo.pop()
        out.append(group)
        todo.extend(group.__subclasses__())
    return out
