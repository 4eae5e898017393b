"""The form of the invitation link: the invitee's name and a new password."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import PASSWORD_MAX_LENGTH
from municipalities.services.invitations import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH


class InvitationAcceptForm(forms.Form):
    # Shown, never read from the POST: the address is the invitation's. It lets a password
    # manager store the new password under the right account.
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        disabled=True,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 8 characters, not only digits, not a common password and not like "
            "your name or e-mail address."
        ),
    )

    def __init__(self, *args, invitation, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "email": invitation.email,
                "first_name": invitation.first_name,
                "last_name": invitation.last_name,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = invitation.email
        self.helper = FormHelper()
        self.helper.add_input(Submit("accept", _("Set password and log in"), css_class="w-100"))

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        return cleaned

    def add_service_errors(self, error: ValidationError) -> None:
        """Errors of invitation_accept, on the fields they are about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            target = "password2" if field == "password" else field
            self.add_error(target if target in self.fields else None, messages)
