"""The partners' admin: every model, with its contacts or reports inline. Partners,
contacts (on their own page and inline) and the submission of a report are written through
partners.services; partners import and export (a dry run with a preview first,
partners.resources)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ProgrammeImportExportMixin, limit_lengths
from core.forms import COMMENT_MAX_LENGTH

from . import services
from .models import Partner, PartnerContact, Subsidy, SubsidyReport
from .resources import PartnerConfirmImportForm, PartnerImportStorage, PartnerResource


class PartnerAdminForm(forms.ModelForm):
    website = forms.URLField(
        label=_("website"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Partner
        fields = [
            "programme",
            "name",
            "kind",
            "role",
            "board_organisation",
            "province",
            "website",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, role=COMMENT_MAX_LENGTH)

    def clean(self):
        """The same checks as the services (kind links, a unique name per programme)."""
        cleaned = super().clean()
        programme = cleaned.get("programme") or getattr(self.instance, "programme", None)
        if programme is not None and cleaned.get("name"):
            probe = Partner(
                pk=self.instance.pk,
                programme=programme,
                name=cleaned["name"].strip(),
                kind=cleaned.get("kind") or "",
                board_organisation=cleaned.get("board_organisation"),
                province=cleaned.get("province"),
            )
            try:
                services.partner_validate(probe)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return cleaned


class PartnerContactAdminForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["partner", "date", "who", "topic", "outcome", "meetings"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, outcome=COMMENT_MAX_LENGTH)

    def clean(self):
        """The same checks as the services (meetings of the partner's programme, a staff
        member); inline, the partner is the page's partner."""
        cleaned = super().clean()
        partner = cleaned.get("partner") or getattr(self.instance, "partner", None)
        if partner is not None and partner.programme_id is not None:
            probe = PartnerContact(partner=partner, who=cleaned.get("who"))
            try:
                services.partner_contact_validate(
                    probe,
                    meetings=list(cleaned.get("meetings") or []),
                    check_who=self.instance.pk is None or "who" in self.changed_data,
                )
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return cleaned


def contact_save(request, form, *, partner) -> PartnerContact:
    """A contact form's values through the services: a new contact is logged (the staff
    member defaults to the one saving), a changed one updated. The document is not on
    these forms."""
    data = form.cleaned_data
    fields = {
        "date": data["date"],
        "who": data.get("who"),
        "topic": data["topic"],
        "outcome": data.get("outcome") or "",
    }
    meetings = list(data.get("meetings") or [])
    if form.instance.pk is None:
        return services.partner_contact_log(
            actor=request.user, partner=partner, meetings=meetings, **fields
        )
    return services.partner_contact_update(
        actor=request.user, contact=form.instance, partner=partner, meetings=meetings, **fields
    )


class SubsidyAdminForm(forms.ModelForm):
    amount = forms.DecimalField(
        label=_("amount (EUR)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999999999.99"),
    )

    class Meta:
        model = Subsidy
        fields = ["programme", "funder", "amount", "starts_on", "ends_on", "reference", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, note=COMMENT_MAX_LENGTH)

    def clean(self):
        """The same checks as the services (the funder a partner of the programme)."""
        cleaned = super().clean()
        programme = cleaned.get("programme") or getattr(self.instance, "programme", None)
        funder = cleaned.get("funder")
        if programme is not None and funder is not None and cleaned.get("amount") is not None:
            probe = Subsidy(
                pk=self.instance.pk,
                programme=programme,
                funder=funder,
                amount=cleaned["amount"],
                starts_on=cleaned.get("starts_on"),
                ends_on=cleaned.get("ends_on"),
            )
            try:
                services.subsidy_validate(probe)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


def _flash(modeladmin, request, error) -> None:
    for message in getattr(error, "messages", [str(error)]):
        modeladmin.message_user(request, message, level=messages.ERROR)


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    form = PartnerContactAdminForm
    extra = 0
    fields = ["date", "who", "topic", "outcome", "meetings"]
    autocomplete_fields = ["who", "meetings"]
    show_change_link = True


class SubsidyReportInline(admin.TabularInline):
    model = SubsidyReport
    extra = 0
    fields = ["title", "due_on", "submitted_on", "remind_days_before", "reminded_at"]
    readonly_fields = ["reminded_at"]


@admin.register(Partner)
class PartnerAdmin(ProgrammeImportExportMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "programme", "board_organisation", "province", "active"]
    list_filter = ["programme", "kind", "active", "province"]
    list_select_related = ["programme", "board_organisation", "province"]
    search_fields = ["name", "role", "board_organisation__name", "province__name"]
    autocomplete_fields = ["board_organisation"]
    inlines = [PartnerContactInline]
    form = PartnerAdminForm

    resource_classes = [PartnerResource]
    tmp_storage_class = PartnerImportStorage

    def get_confirm_form_class(self, request):
        # The programme beside the file (ProgrammeImportExportMixin), our own storage.
        base = super().get_confirm_form_class(request)

        class ConfirmForm(base, PartnerConfirmImportForm):
            storage_class = PartnerImportStorage

        return ConfirmForm

    def import_done_message(self, count: int) -> str:
        return ngettext("%(count)d partner imported.", "%(count)d partners imported.", count) % {
            "count": count
        }

    def save_model(self, request, obj, form, change):
        """Through the services: the same checks as the import (kind links, unique name)."""
        fields = {name: form.cleaned_data[name] for name in services.PARTNER_FIELDS}
        fields.pop("name")
        # The form's clean() ran the same checks, so a refusal here is a race: it fails.
        if change:
            services.partner_update(actor=request.user, partner=obj, name=obj.name, **fields)
        else:
            saved = services.partner_create(
                actor=request.user, programme=obj.programme, name=obj.name, **fields
            )
            obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db

    def save_formset(self, request, form, formset, change):
        """The contacts inline through the services, as on their own page."""
        if formset.model is not PartnerContact:
            super().save_formset(request, form, formset, change)
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for contact_form in formset.initial_forms:
            contact = contact_form.instance
            if contact.pk is None:
                continue
            if contact_form in formset.deleted_forms:
                formset.deleted_objects.append(contact)
                contact.delete()
            elif contact_form.has_changed():
                contact_save(request, contact_form, partner=formset.instance)
                formset.changed_objects.append((contact, contact_form.changed_data))
        for contact_form in formset.extra_forms:
            if not contact_form.has_changed() or contact_form in formset.deleted_forms:
                continue
            saved = contact_save(request, contact_form, partner=formset.instance)
            contact_form.instance = saved
            formset.new_objects.append(saved)


@admin.register(PartnerContact)
class PartnerContactAdmin(SimpleHistoryAdmin):
    list_display = ["date", "partner", "topic", "who"]
    list_filter = ["partner__programme", "partner__kind", "date"]
    list_select_related = ["partner", "who"]
    search_fields = ["topic", "outcome", "partner__name", "who__email", "who__last_name"]
    autocomplete_fields = ["partner", "who", "meetings"]
    date_hierarchy = "date"
    form = PartnerContactAdminForm
    readonly_fields = ["document", "document_name", "document_extension"]

    def save_model(self, request, obj, form, change):
        """Through the services: the form's clean() ran the same checks."""
        saved = contact_save(request, form, partner=form.cleaned_data["partner"])
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db
        obj.who = saved.who

    def save_related(self, request, form, formsets, change):
        # The service set the meetings; only the formsets (none) are left to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Subsidy)
class SubsidyAdmin(SimpleHistoryAdmin):
    list_display = ["funder", "programme", "amount", "starts_on", "ends_on", "reference"]
    list_filter = ["programme", "funder"]
    list_select_related = ["funder", "programme"]
    search_fields = ["reference", "note", "funder__name"]
    autocomplete_fields = ["funder"]
    inlines = [SubsidyReportInline]
    form = SubsidyAdminForm

    def get_readonly_fields(self, request, obj=None):
        # A subsidy stays with its programme (its funder is a partner of that programme).
        return ["programme"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Through the services: the form's clean() ran the same checks."""
        fields = {name: form.cleaned_data[name] for name in services.SUBSIDY_FIELDS}
        if change:
            services.subsidy_update(actor=request.user, subsidy=obj, **fields)
            return
        saved = services.subsidy_record(
            actor=request.user, programme=form.cleaned_data["programme"], **fields
        )
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db


@admin.register(SubsidyReport)
class SubsidyReportAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "subsidy",
        "due_on",
        "submitted_on",
        "remind_days_before",
        "reminded_at",
    ]
    list_filter = ["subsidy__programme", "submitted_on", "due_on"]
    list_select_related = ["subsidy__funder"]
    search_fields = ["title", "subsidy__reference", "subsidy__funder__name"]
    autocomplete_fields = ["subsidy"]
    readonly_fields = ["reminded_at"]
    actions = ["mark_submitted_today"]

    @admin.action(description=_("Mark submitted today"))
    def mark_submitted_today(self, request, queryset):
        today = timezone.localdate()
        done = 0
        for report in queryset.filter(submitted_on__isnull=True):
            try:
                services.subsidy_report_submit(
                    actor=request.user, report=report, submitted_on=today
                )
            except (ValidationError, PermissionDenied) as error:
                _flash(self, request, error)
            else:
                done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d report marked submitted.", "%(count)d reports marked submitted.", done
            )
            % {"count": done},
        )
