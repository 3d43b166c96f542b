"""common.errors: errors safe to show, told apart by type and code, never by text."""

from __future__ import annotations

import pytest

from common.errors import (
    AuthError,
    Cancelled,
    StateError,
    StorageError,
    UserFacingError,
    ValidationError,
    ValidationErrors,
)
from common.text import Text

FULL = Text("Disk penuh.", "The disk is full.")
REMEDY = Text("Hapus berkas lama.", "Delete old files.")


def test_the_message_is_shown_in_the_readers_language_with_its_remedy() -> None:
    error = StorageError(FULL, remedy=REMEDY)
    assert error.text() == "Disk penuh. Hapus berkas lama."
    assert error.text("en") == "The disk is full. Delete old files."
    assert StorageError(FULL).text("en") == "The disk is full."


def test_the_exception_itself_carries_the_english_text_for_logs() -> None:
    error = StorageError(FULL)
    assert str(error) == "The disk is full."
    assert error.message is FULL


@pytest.mark.parametrize(
    ("cls", "code"),
    [
        (UserFacingError, "error"),
        (ValidationError, "validation"),
        (ValidationErrors, "validation"),
        (StateError, "state"),
        (AuthError, "auth"),
        (StorageError, "storage"),
    ],
)
def test_each_kind_has_its_code_and_is_a_user_facing_error(cls: type[UserFacingError], code: str) -> None:
    error = cls([ValidationError(FULL)]) if cls is ValidationErrors else cls(FULL)  # type: ignore[call-arg,arg-type]
    assert error.code == code
    assert isinstance(error, UserFacingError)


def test_a_specific_code_overrides_the_kinds_code_for_that_error_only() -> None:
    error = StateError(FULL, code="record.sealed")
    assert error.code == "record.sealed"
    assert StateError(FULL).code == "state"
    assert StateError.code == "state"


def test_a_validation_error_names_its_field() -> None:
    error = ValidationError(Text("NIK salah.", "Wrong NIK."), field="nik", code="nik.checksum")
    assert (error.field, error.code) == ("nik", "nik.checksum")
    assert ValidationError(FULL).field is None


def test_one_validation_failure_reads_as_itself() -> None:
    only = ValidationError(Text("Nama kosong.", "Name is empty."), field="name")
    errors = ValidationErrors([only])
    assert errors.message == only.message
    assert errors.errors == [only]


def test_several_validation_failures_are_counted_and_all_named_in_both_languages() -> None:
    errors = ValidationErrors(
        [
            ValidationError(Text("Nama kosong", "Name is empty"), field="name"),
            ValidationError(Text("NIK salah", "Wrong NIK"), field="nik"),
        ]
    )
    assert errors.text() == "2 isian tidak valid: Nama kosong; NIK salah"
    assert errors.text("en") == "2 fields are invalid: Name is empty; Wrong NIK"
    assert [e.field for e in errors.errors] == ["name", "nik"]


def test_cancelled_needs_no_message_and_says_so_in_both_languages() -> None:
    error = Cancelled()
    assert error.code == "cancelled"
    assert (error.text("id"), error.text("en")) == ("Dibatalkan.", "Cancelled.")
