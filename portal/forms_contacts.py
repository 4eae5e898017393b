"""Forms of the staff page of contact persons: its filter (a GET form) and the invitation."""

from functools import cached_property

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from municipalities.services.invitations import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from selection.models import Programme

from .selectors import GroupFilter
from .selectors_contacts import QUERY_MAX_LENGTH, ContactFilters


class ContactFilterForm(forms.Form):
    """Every field is optional: a missing or unknown value falls back to its default."""

    q = forms.CharField(label=_("Municipality"), max_length=QUERY_MAX_LENGTH, required=False)
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    group = forms.ChoiceField(
        label=_("Group"), choices=GroupFilter.choices, required=False, initial=GroupFilter.ALL
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain choices read once when first needed (a ModelChoiceField reads its table again
        # for every rendering and every check).
        self.fields["programme"].choices = lambda: [
            (pk, str(programme)) for pk, programme in self._programmes.items()
        ]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Name or NIS code"), "type": "search"}
        )
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "contacts-filter"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("q", css_class="col-12 col-md-4"),
                Column("programme", css_class="col-12 col-sm-6 col-md-3"),
                Column("group", css_class="col-12 col-sm-6 col-md-3"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-outline-primary"),
                    css_class="col-12 col-md-2 d-flex align-items-end mb-3",
                ),
            )
        )

    @cached_property
    def _programmes(self) -> dict[str, Programme]:
        return {str(p.pk): p for p in Programme.objects.order_by("-starts_on", "-pk")}

    def filters(self) -> ContactFilters:
        """The filters to apply: the valid submitted values, the defaults for the rest."""
        if not self.is_bound:
            return ContactFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ContactFilters(
            programme=self._programmes.get(data.get("programme") or ""),
            group=data.get("group") or GroupFilter.ALL,
            query=data.get("q") or "",
        )


class InviteContactForm(forms.Form):
    """A new contact for a municipality: the address the link goes to, and the name."""

    municipality = forms.ChoiceField(label=_("Municipality"))
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX_LENGTH, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX_LENGTH, required=False)

    def __init__(self, *args, municipalities: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].choices = [("", _("Choose a municipality")), *municipalities]
        self.helper = FormHelper()
        self.helper.form_id = "contact-invite"
        self.helper.layout = Layout(
            Field("municipality", autofocus=not self.initial.get("municipality")),
            Field("email"),
            Row(
                Column("first_name", css_class="col-12 col-md-6"),
                Column("last_name", css_class="col-12 col-md-6"),
            ),
            Submit("invite", _("Send the invitation")),
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Errors of invitation_create, on the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
