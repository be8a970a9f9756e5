"""Exceptions raised by the forms package; all derive from FormError."""

from __future__ import annotations


class FormError(Exception):
    """Base class so callers can catch every forms problem with one clause."""


class UnknownForm(FormError, LookupError):
    def __init__(self, name: str, directory: object = None) -> None:
        self.name = name
        where = f" in {directory}" if directory is not None else ""
        super().__init__(f"Unknown form {name!r}: no definition file {name}.json{where}")


class InvalidFormDefinition(FormError):
    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"Invalid form definition {name!r}: {message}")


class FormValidationError(FormError, ValueError):
    """Submitted data was refused; ``errors`` maps field name -> messages.

    Messages are meant for end users, so they are already translated; errors
    that cannot be pinned to one field are listed under ``"__all__"``.
    """

    def __init__(self, form: str, errors: dict[str, list[str]]) -> None:
        self.form = form
        self.errors = errors
        summary = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        super().__init__(f"Form {form!r} is invalid ({summary})")
