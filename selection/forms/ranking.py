from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from selection.enums import AggregationMethod, Outcome, SizeClass


class RankingFilterForm(forms.Form):
    """The ranking's filters. Shown with the current values as initial data: the selector
    itself ignores values it does not know, so the form never has to reject a request."""

    method = forms.ChoiceField(choices=AggregationMethod.choices, widget=forms.HiddenInput)
    sort = forms.CharField(widget=forms.HiddenInput)
    province = forms.ChoiceField(label=_("Province"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"),
        required=False,
        choices=[("", _("All sizes")), *SizeClass.choices],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[
            ("", _("All outcomes")),
            *[(value, label) for value, label in Outcome.choices if value != Outcome.WITHDRAWN],
        ],
    )

    def __init__(self, *args, provinces: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces")), *[(p, p) for p in provinces]]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "ranking-filter"
        self.helper.form_class = "ranking-filter mb-3"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("method"),
            Field("sort"),
            Row(
                Column("province", css_class="col-12 col-sm-4 col-lg-3"),
                Column("size_class", css_class="col-6 col-sm-3 col-lg-2"),
                Column("outcome", css_class="col-6 col-sm-3 col-lg-2"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-outline-primary mb-3"),
                    css_class="col-12 col-sm-2 d-flex align-items-end ranking-filter-submit",
                ),
            ),
        )
