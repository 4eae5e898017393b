"""What a refused write says to the person: a service's ValidationError or a form's errors,
shown as messages on the next page or as errors of the form shown again."""

from django.contrib import messages
from django.core.exceptions import ValidationError


def flash_errors(request, errors) -> None:
    """Each message of a ValidationError, or of a form's `errors`, as an error message."""
    if isinstance(errors, ValidationError):
        texts = errors.messages
    else:
        texts = [text for field_errors in errors.values() for text in field_errors]
    for text in texts:
        messages.error(request, text)


def add_form_errors(form, error: ValidationError) -> None:
    """Each message of a service's ValidationError as an error of the whole form."""
    for text in error.messages:
        form.add_error(None, text)
