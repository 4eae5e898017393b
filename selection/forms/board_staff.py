"""Forms of the staff page of a programme's advisory board: add a member, change a seat."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedModelChoiceField
from selection.enums import OrganisationKind
from selection.models import BoardOrganisation
from selection.services.board import (
    EMAIL_MAX_LENGTH,
    ORGANISATION_NAME_MAX_LENGTH,
    PERSON_NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
)


class OrganisationChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class BoardMemberAddForm(forms.Form):
    """A person for the board: their address and name, and an organisation from the list or
    a new one with its kind. The service checks the rest (already on the board, a
    municipality's contact, a draft decision)."""

    email = forms.EmailField(label=_("E-mail address"), max_length=EMAIL_MAX_LENGTH)
    first_name = forms.CharField(
        label=_("First name"), max_length=PERSON_NAME_MAX_LENGTH, required=False
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=PERSON_NAME_MAX_LENGTH, required=False
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=BoardOrganisation.objects.order_by("name"),
        required=False,
        empty_label=_("– a new organisation (type it below) –"),
    )
    new_organisation = forms.CharField(
        label=_("New organisation"),
        max_length=ORGANISATION_NAME_MAX_LENGTH,
        required=False,
    )
    kind = forms.ChoiceField(
        label=_("Kind of the new organisation"),
        choices=[("", "–"), *OrganisationKind.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of the mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("For a new account; an existing account keeps its own language."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "board-member-add"
        self.helper.layout = Layout(
            Field("email", autocomplete="off"),
            Row(Column("first_name"), Column("last_name")),
            Fieldset(
                _("Organisation"),
                HTML(
                    '<p class="small text-body-secondary">'
                    + str(_("Choose an organisation, or type a new one with its kind."))
                    + "</p>"
                ),
                Field("organisation"),
                Row(Column("new_organisation"), Column("kind")),
            ),
            Field("language"),
            Submit("submit", _("Add to the board")),
        )


class BoardMemberActiveForm(forms.Form):
    """Deactivate or reactivate a seat; the reason goes into the change history.

    The form posts the state it asks for, not a toggle: a second click, or a page loaded
    before someone else changed the seat, is refused instead of undoing the change.
    """

    active = forms.TypedChoiceField(
        choices=[("1", _("active")), ("0", _("inactive"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (kept in the history)"),
        max_length=REASON_MAX_LENGTH,
        required=False,
    )
