"""The health strip names an untrusted answer from the central address (issue 11): the
link chip turns red with its own words, and the tooltip carries the message and remedy."""

from __future__ import annotations

from common.text import Text
from station.status import status_dict
from station.sync.errors import SyncError
from ui.health import RED, HealthStrip


def test_an_untrusted_answer_turns_the_link_chip_red_with_its_remedy(qtbot, ctx) -> None:  # type: ignore[no-untyped-def]
    strip = HealthStrip(ctx)
    qtbot.addWidget(strip)
    status = status_dict(ctx.core)
    status["sync"]["last_error"] = "sync.untrusted_answer"
    strip.show_status(status)
    named = SyncError("sync.untrusted_answer")
    assert RED in strip.link.styleSheet()
    assert strip.link.text() == ctx.t(Text("Jawaban pusat tidak sah", "Centre answer not trusted"))
    assert ctx.t(named.message) in strip.link.toolTip() and ctx.t(named.remedy) in strip.link.toolTip()
    status["sync"]["last_error"] = "sync.offline"
    strip.show_status(status)
    assert "sync.offline" in strip.link.toolTip() and strip.link.text() != "Centre answer not trusted"
