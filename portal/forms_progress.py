"""Forms of the staff progress pages: the map filter, taking a snapshot, comparing two."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedModelChoiceField
from municipalities.models import Snapshot
from municipalities.services.snapshots import LABEL_MAX_LENGTH
from portal.map import COLOUR_BY_CHOICES, COLOUR_BY_GROUP
from selection.models import Programme


def _programmes():
    return Programme.objects.order_by("-starts_on", "-pk")


class ProgrammeChoiceField(BoundedModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=_programmes(),
            label=_("Programme"),
            required=False,
            empty_label=_("The latest programme"),
            **kwargs,
        )


class SnapshotChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label} ({obj.taken_at:%d/%m/%Y})"


class MapFilterForm(forms.Form):
    """Which programme's groups to show, or the overall level instead (a GET form)."""

    programme = ProgrammeChoiceField()
    colour_by = forms.ChoiceField(
        label=_("Colour by"), choices=COLOUR_BY_CHOICES, required=False, initial=COLOUR_BY_GROUP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Row(
                Column("programme", css_class="col-12 col-md-5"),
                Column("colour_by", css_class="col-12 col-md-4"),
                Column(
                    StrictButton(_("Show"), type="submit", css_class="btn-primary"),
                    css_class="col-12 col-md-3 d-flex align-items-end mb-3",
                ),
            )
        )


class SnapshotForm(forms.Form):
    """Take a snapshot of every municipality's status now."""

    label = forms.CharField(
        label=_("Label"),
        max_length=LABEL_MAX_LENGTH,
        help_text=_("For example: board meeting of 12 March 2018."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("label", Submit("take", _("Take a snapshot now")))


class CompareForm(forms.Form):
    """Two snapshots and the programme whose groups split the municipalities (a GET form)."""

    a = SnapshotChoiceField(label=_("Earlier snapshot (a)"), queryset=Snapshot.objects.none())
    b = SnapshotChoiceField(label=_("Later snapshot (b)"), queryset=Snapshot.objects.none())
    programme = ProgrammeChoiceField()

    def __init__(self, *args, snapshots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = snapshots
        self.fields["b"].queryset = snapshots
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Row(
                Column("a", css_class="col-12 col-md-4"),
                Column("b", css_class="col-12 col-md-4"),
                Column("programme", css_class="col-12 col-md-4"),
            ),
            StrictButton(_("Compare"), type="submit", css_class="btn-primary"),
        )
