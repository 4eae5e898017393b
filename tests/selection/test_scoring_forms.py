"""The review form's rows of scores are written as Django writes radio inputs."""

import pytest
from crispy_forms.utils import render_crispy_form

from selection.forms.scoring import ReviewForm, scale_options, score_field
from tests.factories import CriterionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria(programme):
    return [
        CriterionFactory(programme=programme, name="Motivatie", position=1, rubric='A "rubric"'),
        CriterionFactory(programme=programme, name="Haalbaarheid", position=2),
    ]


def django_inputs(bound_field) -> list[str]:
    return [str(option.tag()) for option in bound_field.subwidgets]


def our_inputs(bound_field) -> list[str]:
    return [f"<input{option.attrs}>" for option in scale_options(bound_field)]


@pytest.mark.parametrize(
    ("kind", "value", "readonly"),
    [
        ("initial", "3", False),
        ("initial", "na", True),
        ("data", "7", False),
        ("data", '"><script>', False),
    ],
)
def test_scale_options_write_inputs_as_django(criteria, kind, value, readonly):
    values = {"version": "1", "action": "submit", score_field(criteria[0].pk): value}
    form = ReviewForm(criteria=criteria, readonly=readonly, **{kind: values})
    if form.is_bound:
        form.is_valid()
    for criterion in criteria:
        bound_field = form[score_field(criterion.pk)]
        assert our_inputs(bound_field) == django_inputs(bound_field)


def test_scale_options_mark_only_not_applicable(criteria):
    form = ReviewForm(criteria=criteria, initial={"version": 0})
    options = scale_options(form[score_field(criteria[0].pk)])
    assert [option.not_applicable for option in options] == [False] * 5 + [True]
    assert [option.id for option in options] == [
        f"id_score_{criteria[0].pk}_{index}" for index in range(6)
    ]


def test_review_form_renders_each_criterion_once_with_labels(criteria):
    html = render_crispy_form(ReviewForm(criteria=criteria, initial={"version": 0}))
    for criterion in criteria:
        assert html.count(f'name="score_{criterion.pk}"') == 6
        assert html.count(f'name="comment_{criterion.pk}"') == 1
        for index in range(6):
            assert html.count(f'for="id_score_{criterion.pk}_{index}"') == 1
    assert f'aria-describedby="id_score_{criteria[0].pk}_helptext"' in html
    assert "A &quot;rubric&quot;" in html
    assert 'name="comment"' in html
