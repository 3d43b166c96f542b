"""The family of errors whose messages are safe to show to a user.

Errors are told apart by type and `code`, never by matching their text. Every
message is bilingual and carries no NIK and no biometric data, so it may be logged
and shown as is. Anything that is not a `UserFacingError` is a bug: log it with its
traceback and show it with "copy details".
"""

from __future__ import annotations

from common.text import Text


class UserFacingError(Exception):
    """An error an operator, technician or supervisor can act on."""

    code: str = "error"

    def __init__(self, message: Text, *, code: str | None = None, remedy: Text | None = None) -> None:
        super().__init__(message.en)
        self.message = message
        self.remedy = remedy
        if code is not None:
            self.code = code

    def text(self, lang: str = "id") -> str:
        out = self.message.get(lang)
        if self.remedy is not None:
            out += " " + self.remedy.get(lang)
        return out


class ValidationError(UserFacingError):
    """Input the station refuses; `field` names the form field when there is one."""

    code = "validation"

    def __init__(
        self, message: Text, *, field: str | None = None, code: str | None = None, remedy: Text | None = None
    ) -> None:
        super().__init__(message, code=code, remedy=remedy)
        self.field = field


class ValidationErrors(UserFacingError):
    """Several validation failures at once, so a form can mark every bad field."""

    code = "validation"

    def __init__(self, errors: list[ValidationError]) -> None:
        first = errors[0].message
        super().__init__(
            first
            if len(errors) == 1
            else Text(
                f"{len(errors)} isian tidak valid: " + "; ".join(e.message.id for e in errors),
                f"{len(errors)} fields are invalid: " + "; ".join(e.message.en for e in errors),
            )
        )
        self.errors = errors


class StateError(UserFacingError):
    """An action that is not allowed in the current state (e.g. editing a sealed record)."""

    code = "state"


class AuthError(UserFacingError):
    """Login refused, account locked, or a role that may not do this."""

    code = "auth"


class StorageError(UserFacingError):
    """The local store cannot do what was asked (disk full, corrupt file, missing key)."""

    code = "storage"


class Cancelled(UserFacingError):
    """The user cancelled a long operation."""

    code = "cancelled"

    def __init__(self) -> None:
        super().__init__(Text("Dibatalkan.", "Cancelled."))
