"""Form fields and limits every app's forms share.

Upper bounds for what the forms accept, so that no input is too big to store or handle: the
lengths of free text, the largest id, and choice fields that refuse a posted key no database
id can have.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

# Free text: a name, a comment or note, and the long texts (minutes, a motivation).
NAME_MAX_LENGTH = 200
COMMENT_MAX_LENGTH = 5_000
LONG_TEXT_MAX_LENGTH = 20_000
# The largest value of a primary key (a 64-bit integer) and of a positive integer column.
MAX_ID = 2**63 - 1
MAX_POSITIVE_INT = 2**31 - 1


def limit_length(field: forms.CharField, max_length: int) -> None:
    """Give a field built elsewhere (by a ModelForm) a maximum length, as `max_length=` does."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)


def check_id(field: forms.Field, value) -> None:
    """Refuse a posted key that cannot be a database id, as a choice that is not on offer.

    Django filters on the posted value as is: a number of 26 digits overflows the database
    integer and fails with an error (HTTP 500) instead of "not one of the choices".
    """
    if value in field.empty_values:
        return
    try:
        number = int(str(value).strip())
    except ValueError:
        return  # Not a number: Django's own check refuses it.
    if not 0 < number <= MAX_ID:
        raise ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class BoundedModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        check_id(self, value)
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if isinstance(value, list | tuple):
            for item in value:
                check_id(self, item)
        return super()._check_values(value)
