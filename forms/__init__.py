"""Form definitions for BPMN user tasks and validation of submitted data.

A user task names its form through the ``form`` extension property; the
engine calls :func:`validate_form` (or ``load_form(name).validate``) before
any submitted data reaches the workflow, and stores only the cleaned result.

May import: nothing else of greenloop (a library the engine and the web app use).
"""

from forms.definition import REPLY_CHOICE_FIELD, FormDefinition, file_options, parse_definition, prints_in_reply
from forms.errors import FormError, FormValidationError, InvalidFormDefinition, UnknownForm
from forms.registry import FORMS_DIR, available_forms, clear_cache, load_form, validate_form

__all__ = [
    "FORMS_DIR",
    "FormDefinition",
    "FormError",
    "FormValidationError",
    "InvalidFormDefinition",
    "UnknownForm",
    "available_forms",
    "file_options",
    "prints_in_reply",
    "REPLY_CHOICE_FIELD",
    "clear_cache",
    "load_form",
    "parse_definition",
    "validate_form",
]
