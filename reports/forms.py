"""The report's one form: which two snapshots its SDG status section compares (a GET form)."""

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities.models import Snapshot
from portal.forms_progress import SnapshotChoiceField


class ReportSnapshotsForm(forms.Form):
    """Two snapshots, the earlier (a) and the later (b); empty means the first and the last
    taken during the programme."""

    a = SnapshotChoiceField(
        label=_("Earlier snapshot (a)"),
        queryset=Snapshot.objects.none(),
        required=False,
        empty_label=_("The first snapshot of the programme"),
    )
    b = SnapshotChoiceField(
        label=_("Later snapshot (b)"),
        queryset=Snapshot.objects.none(),
        required=False,
        empty_label=_("The last snapshot of the programme"),
    )

    def __init__(self, *args, snapshots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = snapshots
        self.fields["b"].queryset = snapshots
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "report-form"
        self.helper.layout = Layout(
            Row(
                Column("a", css_class="col-12 col-md-5"),
                Column("b", css_class="col-12 col-md-5"),
                Column(
                    StrictButton(_("Show"), type="submit", css_class="btn-primary"),
                    css_class="col-12 col-md-2 d-flex align-items-end mb-3",
                ),
            )
        )
