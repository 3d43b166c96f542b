"""Every message a screen declares is translated and named once; showing one says which.

The screens list their messages in a `ScreenMessages` group (ui/messages.py). These tests
import every module of `ui`, collect every declared message and check it against the
committed Bahasa Indonesia (`ui/i18n/id/*.ts` and the compiled `.qm` the app loads),
then drive a real screen to see that a shown message is on the line and named by `shown`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication

import ui
from ui import i18n
from ui.messages import FAILURE, CoreMsg, Msg, OkMsg, ScreenMessages, all_groups, fill
from ui.widgets import MessageLine

WAIT_MS = 15_000


def _import_every_screen() -> list[type[ScreenMessages]]:
    for info in pkgutil.walk_packages(ui.__path__, prefix="ui."):
        importlib.import_module(info.name)
    return [g for g in all_groups() if g.__module__.startswith("ui.")]


def _translations() -> dict[tuple[str, str], str | None]:
    """(context, source) -> the finished translation, or None if unfinished or empty."""
    out: dict[tuple[str, str], str | None] = {}
    for ts in sorted(i18n.TS_DIR.glob("*.ts")):
        for context in ET.parse(ts).iter("context"):
            name = context.findtext("name") or ""
            for message in context.iter("message"):
                tr = message.find("translation")
                done = tr is not None and tr.get("type") is None and (tr.text or "").strip()
                out[(name, message.findtext("source") or "")] = tr.text if done and tr is not None else None
    return out


GROUPS = _import_every_screen()


def _declared_names(group: type[ScreenMessages]) -> list[str]:
    """The names assigned a message in the group's class body, repeats included (a class
    body keeps only the last of two equal names, so `declared()` cannot see a repeat)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(group)))
    body = tree.body[0]
    assert isinstance(body, ast.ClassDef)
    names: list[str] = []
    for node in body.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id.endswith("Msg"):
                names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def test_the_converted_screens_declare_their_messages() -> None:
    screens = {g.__qualname__.split(".")[0] for g in GROUPS}
    expected = {
        "TicketsPanel",
        "LookupPage",
        "LoginPage",
        "LockPage",
        "SettingsTab",
        "ExceptionPanel",
        "SealedPage",
        "SyncConsole",
        "DeviceConsole",
        "OperatorsTab",
        "PhotoPage",
        "SignaturePage",
        "FingerprintPage",
        "DemographicsPage",
        "_Check",
        "CameraCheck",
        "FingerprintCheck",
        "SignatureCheck",
        "MainWindow",
        "SetupDialog",
        "ReviewPage",
    }
    assert expected <= screens, expected - screens
    assert sum(len(g.declared()) for g in GROUPS) >= 60


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: f"{g.__module__}.{g.__qualname__}")
def test_every_declared_message_is_translated_in_its_screens_context(group: type[ScreenMessages]) -> None:
    screen = group.__qualname__.split(".")[0]
    assert group.context == screen, "the context must be the screen's class, as its self.tr() strings"
    translations = _translations()
    for name, msg in group.declared().items():
        if isinstance(msg, CoreMsg):
            assert msg.source == "", "a core message's text comes from the core"
            continue
        key = (group.context, msg.source)
        assert key in translations, f"{screen}.{name}: {msg.source!r} is not in the .ts files"
        assert translations[key], f"{screen}.{name}: {msg.source!r} is untranslated or unfinished"
        if "%1" in msg.source:
            assert "%1" in (translations[key] or ""), f"{screen}.{name}: the translation drops %1"
        for field in ("{0}", "{1}", "{2}", "{n}", "{query}", "{path}"):
            if field in msg.source:
                assert field in (translations[key] or ""), f"{screen}.{name}: the translation drops {field}"


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: f"{g.__module__}.{g.__qualname__}")
def test_no_two_messages_of_a_screen_share_a_name(group: type[ScreenMessages]) -> None:
    names = _declared_names(group)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert set(names) == set(group.declared())
    assert FAILURE not in names, "'failure' is the generic entry for the core's failures"
    reserved = set(dir(ScreenMessages)) | {"line", "ctx", "lang", "on_show"}
    assert not reserved & set(names), "a message may not hide the group's own methods"


def test_no_two_groups_of_one_screen_declare_the_same_name() -> None:
    """A screen with one group per line still names each of its messages once."""
    seen: dict[tuple[str, str], str] = {}
    for group in GROUPS:
        screen = f"{group.__module__}.{group.__qualname__.split('.')[0]}"
        for name in group.declared():
            assert (screen, name) not in seen, f"{screen}: {name} in {seen.get((screen, name))} and {group.__name__}"
            seen[(screen, name)] = group.__name__


def test_the_compiled_translations_give_each_declared_message_in_indonesian(qapp, indonesian) -> None:  # type: ignore[no-untyped-def]
    translations = _translations()
    for group in GROUPS:
        for name, msg in group.declared().items():
            if isinstance(msg, CoreMsg):
                continue
            want = translations[(group.context, msg.source)]
            got = QCoreApplication.translate(group.context, msg.source)
            assert got == want, f"{group.context}.{name}: the .qm gives {got!r}"


def test_arguments_fill_qt_and_python_placeholders() -> None:
    assert fill("%1 added.", ("ani",), {}) == "ani added."
    assert fill("%2 of %1", ("a", "b"), {}) == "b of a"
    assert fill("%1 and %10", tuple("abcdefghij"), {}) == "a and j"
    assert fill("Calling {0}.", ("A-001",), {}) == "Calling A-001."
    assert fill("Records found: {n}", (), {"n": 3}) == "Records found: 3"
    assert fill("Nothing {here}.", (), {}) == "Nothing {here}."  # no arguments: left as written


def test_a_shown_message_is_named_and_cleared_only_by_its_own_clear(qapp) -> None:  # type: ignore[no-untyped-def]
    class Sample(ScreenMessages):
        context = "Sample"
        hello = OkMsg("Hello {0}.")
        other = OkMsg("Other.")
        failure_text = CoreMsg()

    line = MessageLine()
    messages = Sample(line)
    assert isinstance(Sample.hello, Msg) and Sample.hello.name == "hello"
    assert messages.shown is None
    messages.hello("Siti")
    assert (line.text(), messages.shown) == ("Hello Siti.", "hello")
    assert messages.hello.is_shown and not messages.other.is_shown
    messages.other.clear()  # not the one shown: stays
    assert messages.shown == "hello"
    messages.hello.clear()
    assert (line.text(), messages.shown) == ("", None)
    messages.other()
    line.error("written past the group")
    assert messages.shown is None, "a line someone else wrote on shows no declared message"
    messages.failure_text.show_text("Belum ada foto")
    assert (line.text(), messages.shown) == ("Belum ada foto", "failure_text")
    line.clear()
    assert messages.shown is None, "a line someone else wrote on shows no declared message"


def test_the_tickets_panel_names_what_it_says_in_indonesian(qtbot, supervisor_ctx, indonesian) -> None:  # type: ignore[no-untyped-def]
    from ui.tickets_panel import TicketsPanel

    p = TicketsPanel(supervisor_ctx)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitUntil(lambda: p.snapshot is not None, timeout=WAIT_MS)
    translations: dict[tuple[str, str], Any] = _translations()
    p.call_next()
    qtbot.waitUntil(lambda: p.messages.shown is not None, timeout=WAIT_MS)
    assert p.messages.shown == "nobody_waiting"
    assert p.message.text() == translations[("TicketsPanel", "Nobody is waiting.")]
    assert p.message.text() != "Nobody is waiting."
    p.issue_ticket()
    qtbot.waitUntil(lambda: p.messages.shown == "issued", timeout=WAIT_MS)
    assert p.message.text() == translations[("TicketsPanel", "Ticket {0} issued.")].format(p.last_number.text())
    p.messages.nobody_waiting.clear()
    assert p.messages.shown == "issued"
    p.messages.issued.clear()
    assert (p.message.text(), p.messages.shown) == ("", None)
