"""common.text: one message in both languages, chosen by the reader's language."""

from __future__ import annotations

import dataclasses

import pytest

from common.text import DEFAULT_LANGUAGE, LANGUAGES, Text

GREETING = Text("Selamat datang, {name}.", "Welcome, {name}.")


def test_indonesian_is_the_default_and_english_is_asked_for_by_name() -> None:
    assert DEFAULT_LANGUAGE == "id" and LANGUAGES == ("id", "en")
    text = Text("Simpan", "Save")
    assert text.get() == "Simpan"
    assert text.get("id") == "Simpan"
    assert text.get("en") == "Save"


def test_an_unknown_language_falls_back_to_indonesian_not_to_an_error() -> None:
    assert Text("Simpan", "Save").get("fr") == "Simpan"


def test_format_fills_both_languages_and_leaves_the_template_alone() -> None:
    filled = GREETING.format(name="Siti")
    assert filled == Text("Selamat datang, Siti.", "Welcome, Siti.")
    assert GREETING.id == "Selamat datang, {name}."  # the template is reusable


def test_a_missing_value_in_format_is_a_key_error_not_a_half_filled_message() -> None:
    with pytest.raises(KeyError):
        GREETING.format(nama="Siti")


def test_logs_and_tracebacks_read_english() -> None:
    assert str(Text("Gagal", "Failed")) == "Failed"
    assert f"{Text('Gagal', 'Failed')}" == "Failed"


def test_a_text_cannot_be_changed_after_it_is_made() -> None:
    text = Text("Simpan", "Save")
    with pytest.raises(dataclasses.FrozenInstanceError):
        text.en = "Store"  # type: ignore[misc]
    assert {text, Text("Simpan", "Save")} == {text}  # hashable, equal by value
