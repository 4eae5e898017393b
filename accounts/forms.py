from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .security import normalise_email

# Far beyond any password a person or a password manager uses; keeps the input bounded.
PASSWORD_MAX_LENGTH = 4096


def limit_length(field: forms.CharField, max_length: int) -> None:
    """Give an already built text field a maximum length, as `max_length=` would have."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, labelled for an e-mail address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match an account. Check both and try again."
        ),
    }

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Log in"), css_class="w-100"))
        limit_length(self.fields["password"], PASSWORD_MAX_LENGTH)

    def clean_username(self):
        """The address as accounts store it, so the lockout counts one account per address."""
        return normalise_email(self.cleaned_data["username"])


class CrispyPasswordResetForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send reset link")))


class CrispySetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Set password")))
        for name in ("new_password1", "new_password2"):
            limit_length(self.fields[name], PASSWORD_MAX_LENGTH)
