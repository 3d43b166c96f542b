"""Bilingual user-facing text (Bahasa Indonesia first, English second)."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True)
class Text:
    """One message in both languages the station speaks.

    Core code builds these instead of bare strings so that the command line and the
    desktop app can show the operator's language without matching on text.
    """

    id: str
    en: str

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return self.en if lang == "en" else self.id

    def format(self, **values: object) -> Text:
        return Text(self.id.format(**values), self.en.format(**values))

    def __str__(self) -> str:  # English for logs and tracebacks
        return self.en
