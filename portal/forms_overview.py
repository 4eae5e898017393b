"""The filters of the staff overviews (heatmap and exports), sent as a GET query string."""

from functools import cached_property

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.models import Province
from selection.enums import SizeClass
from selection.models import Programme

from .selectors import GroupFilter, OverviewFilters


class StatusFilterForm(forms.Form):
    """Every field is optional: a missing or unknown value falls back to its default, so a
    link with a partial query string still shows a page (with the error next to the field)."""

    programme = forms.ChoiceField(label=_("Programme"), required=False)
    group = forms.ChoiceField(
        label=_("Municipalities"),
        choices=GroupFilter.choices,
        required=False,
        initial=GroupFilter.CANDIDATES,
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"),
        choices=[("", _("All sizes")), *SizeClass.choices],
        required=False,
    )
    with_status = forms.BooleanField(label=_("Only municipalities with a status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain choices, each list read once when first needed: a ModelChoiceField reads
        # its table again for every rendering and every check of a submitted value.
        self.fields["programme"].choices = lambda: [
            (pk, str(programme)) for pk, programme in self._programmes.items()
        ]
        self.fields["province"].choices = lambda: [
            ("", _("All provinces")),
            *[(pk, str(province)) for pk, province in self._provinces.items()],
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "status-filter"
        self.helper.form_class = "status-filter mb-3"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("programme", css_class="col-12 col-md-4 col-lg-3"),
                Column("group", css_class="col-12 col-sm-6 col-md-4 col-lg-3"),
                Column("province", css_class="col-6 col-md-4 col-lg-2"),
                Column("size_class", css_class="col-6 col-md-3 col-lg-2"),
                Column("with_status", css_class="col-12 col-md-5 col-lg-2 d-flex align-items-end"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-outline-primary mb-3"),
                    css_class="col-12 col-md-4 col-lg-12 d-flex align-items-end",
                ),
            ),
        )

    @cached_property
    def _programmes(self) -> dict[str, Programme]:
        return {str(p.pk): p for p in Programme.objects.order_by("-starts_on", "-pk")}

    @cached_property
    def _provinces(self) -> dict[str, Province]:
        return {p.pk: p for p in Province.objects.order_by("name")}

    def filters(self) -> OverviewFilters:
        """The filters to apply: the valid submitted values, the defaults for the rest."""
        if not self.is_bound:
            return OverviewFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return OverviewFilters(
            programme=self._programmes.get(data.get("programme") or ""),
            group=data.get("group") or GroupFilter.CANDIDATES,
            province=self._provinces.get(data.get("province") or ""),
            size_class=data.get("size_class") or "",
            with_status=bool(data.get("with_status")),
        )
