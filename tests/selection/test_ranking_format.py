"""The ranking page writes its numbers in Python exactly as the template filter would."""

import math

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import get_format

from selection.presentation.ranking import two_decimals

FILTER = Template('{{ value|floatformat:2|default:"–" }}')

VALUES = [
    None,
    0.0,
    -0.0,
    -0.001,
    -0.004999,
    0.005,
    0.015,
    1.005,
    1.125,
    1.135,
    2.675,
    2.665,
    3.0,
    3.3333333333333335,
    14 / 3,
    4.999,
    4.995,
    5.0,
    1.0 / 3.0 * 3.0,
    0.1 + 0.2,
    123.455,
    999.995,
    1234.5678,
    -2.345,
    1e-20,
    1e30,
    -1e30,
    math.inf,
    math.nan,
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_two_decimals_writes_as_floatformat(language):
    with translation.override(language):
        separator = get_format("DECIMAL_SEPARATOR")
        for value in VALUES:
            expected = FILTER.render(Context({"value": value}))
            assert two_decimals(value, separator) == expected, value


def test_two_decimals_uses_given_separator():
    assert two_decimals(3.456, ",") == "3,46"
    assert two_decimals(None, ",") == "–"
