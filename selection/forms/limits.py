"""The forms' upper bounds, kept here for the apps' forms that import them from this place.

They live in core.forms, below every app; import them from there in new code.
"""

from core.forms import (
    COMMENT_MAX_LENGTH,
    LONG_TEXT_MAX_LENGTH,
    MAX_ID,
    MAX_POSITIVE_INT,
    NAME_MAX_LENGTH,
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    check_id,
    limit_length,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "LONG_TEXT_MAX_LENGTH",
    "MAX_ID",
    "MAX_POSITIVE_INT",
    "NAME_MAX_LENGTH",
    "BoundedModelChoiceField",
    "BoundedModelMultipleChoiceField",
    "check_id",
    "limit_length",
]
