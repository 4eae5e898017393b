import rules
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import CheckedExportMixin, CheckedImportMixin, ReadOnlyAdmin, ReadOnlyInline

from .models import (
    Arrondissement,
    AssessmentOption,
    AssessmentQuestion,
    ContactInvitation,
    Municipality,
    MunicipalityContact,
    MunicipalityStatus,
    Province,
    SDGGoal,
    SDGTarget,
    Snapshot,
    SnapshotEntry,
    StatusDocument,
    StatusVersion,
)
from .resources import (
    ContactInvitationResource,
    InvitationConfirmImportForm,
    InvitationImportForm,
    InvitationImportStorage,
    MunicipalityContactResource,
)
from .services.invitations import (
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_send,
    invitation_validate,
)


class ReadOnlyReferenceAdmin(ReadOnlyAdmin):
    """Reference data comes from load_reference_data; the admin only shows it."""


@admin.register(Province)
class ProvinceAdmin(ReadOnlyReferenceAdmin):
    list_display = ["name", "nis_code"]
    search_fields = ["name", "nis_code"]


@admin.register(Arrondissement)
class ArrondissementAdmin(ReadOnlyReferenceAdmin):
    list_display = ["name", "nis_code", "province"]
    list_filter = ["province"]
    search_fields = ["name", "nis_code"]
    list_select_related = ["province"]


@admin.register(Municipality)
class MunicipalityAdmin(ReadOnlyReferenceAdmin):
    list_display = [
        "name",
        "nis_code",
        "province",
        "arrondissement",
        "population_2018",
        "area_km2",
        "degurba",
        "name_2025",
    ]
    list_filter = ["province", "degurba", "merged_2019", "merged_2025"]
    search_fields = ["name", "nis_code", "name_2019", "name_2025"]
    list_select_related = ["province", "arrondissement"]


class SDGTargetInline(ReadOnlyInline):
    model = SDGTarget
    fields = ["code", "type", "text_en"]
    readonly_fields = fields


@admin.register(SDGGoal)
class SDGGoalAdmin(ReadOnlyReferenceAdmin):
    list_display = ["number", "short_title_nl", "short_title_en", "colour"]
    search_fields = ["short_title_nl", "short_title_en", "title_en"]
    inlines = [SDGTargetInline]


@admin.register(SDGTarget)
class SDGTargetAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "goal", "type"]
    list_filter = ["goal", "type"]
    search_fields = ["code", "text_en"]
    list_select_related = ["goal"]


@admin.register(MunicipalityContact)
class MunicipalityContactAdmin(CheckedExportMixin, admin.ModelAdmin):
    """Contacts come in through an invitation (one, or an imported file of them: see the
    invitations); here they are exported, and corrected."""

    resource_classes = [MunicipalityContactResource]
    list_display = ["user", "municipality", "job_title", "phone"]
    list_filter = ["municipality__province"]
    list_select_related = ["user", "municipality"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]
    fieldsets = ((None, {"fields": ["user", "municipality", "job_title", "phone"]}),)


# --- The self-assessment's questions: staff edit them here. --------------------------------


class AssessmentOptionInline(admin.TabularInline):
    model = AssessmentOption
    fields = ["order", "text_nl", "text_en", "points"]
    extra = 0


@admin.register(AssessmentOption)
class AssessmentOptionAdmin(admin.ModelAdmin):
    list_display = ["text_nl", "question", "order", "points"]
    list_filter = ["question__track", "question__active"]
    list_select_related = ["question"]
    search_fields = ["text_nl", "text_en", "question__text_nl"]
    autocomplete_fields = ["question"]


@admin.register(AssessmentQuestion)
class AssessmentQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "track", "order", "active", "option_count"]
    list_display_links = ["text"]
    list_filter = ["track", "active"]
    search_fields = ["text_nl", "text_en", "help_nl", "help_en"]
    fieldsets = [
        (None, {"fields": ["track", "order", "active"]}),
        (_("Dutch"), {"fields": ["text_nl", "help_nl"]}),
        (_("English"), {"fields": ["text_en", "help_en"]}),
    ]
    inlines = [AssessmentOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_option_count=Count("options"))

    @admin.display(description=_("answer options"), ordering="_option_count")
    def option_count(self, obj):
        return obj._option_count


# --- The SDG status: written only by the portal's services (history, conflicts), so the
# admin shows it and changes nothing. ----------------------------------------------------------


@admin.register(StatusVersion)
class StatusVersionAdmin(ReadOnlyReferenceAdmin):
    list_display = ["municipality", "number", "part", "author", "created_at", "overall_level"]
    list_filter = ["part", "overall_level", "municipality__province"]
    list_select_related = ["municipality", "author"]
    search_fields = ["municipality__name", "municipality__nis_code"]
    date_hierarchy = "created_at"
    fields = [
        "municipality",
        "number",
        "created_at",
        "author",
        "part",
        "restored_from",
        "awareness_score",
        "support_score",
        "policy_score",
        "overall_score",
        "overall_level",
        "document",
    ]
    readonly_fields = fields


@admin.register(MunicipalityStatus)
class MunicipalityStatusAdmin(ReadOnlyReferenceAdmin):
    list_display = ["municipality", "version", "saved_at", "overall_level"]
    list_filter = ["current__overall_level", "municipality__province"]
    list_select_related = ["municipality", "current"]
    search_fields = ["municipality__name", "municipality__nis_code"]
    fields = ["municipality", "current"]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="current__number")
    def version(self, obj):
        return obj.current.number

    @admin.display(description=_("saved at"), ordering="current__created_at")
    def saved_at(self, obj):
        return obj.current.created_at

    @admin.display(description=_("overall level"), ordering="current__overall_level")
    def overall_level(self, obj):
        return obj.current.get_overall_level_display()


class SnapshotEntryInline(ReadOnlyInline):
    model = SnapshotEntry
    fields = ["municipality", "version"]
    readonly_fields = fields
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("municipality", "version")


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyReferenceAdmin):
    """Snapshots are taken on the portal's snapshots page (and by the half-yearly job)."""

    inlines = [SnapshotEntryInline]
    list_display = ["label", "taken_at", "taken_by", "key", "entry_count"]
    list_select_related = ["taken_by"]
    search_fields = ["label", "key"]
    date_hierarchy = "taken_at"
    fields = ["label", "taken_at", "taken_by", "key", "entry_count"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_entry_count=Count("entries"))

    @admin.display(description=_("municipalities"), ordering="_entry_count")
    def entry_count(self, obj):
        return obj._entry_count


@admin.register(StatusDocument)
class StatusDocumentAdmin(ReadOnlyReferenceAdmin):
    list_display = ["name", "municipality", "extension", "size", "uploaded_at", "uploaded_by"]
    list_filter = ["extension", "municipality__province"]
    list_select_related = ["municipality", "uploaded_by"]
    search_fields = ["name", "municipality__name", "municipality__nis_code"]
    date_hierarchy = "uploaded_at"
    # The file opens through the portal, which checks who may see it; no storage URL here.
    fields = ["name", "municipality", "extension", "size", "uploaded_at", "uploaded_by", "link"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def link(self, obj):
        url = reverse("portal:document", args=[obj.municipality_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)


# --- Invitations: one at a time (the add form) or in bulk (import); both through the
# service, which stores only the token's hash. --------------------------------------------------


class ContactInvitationAddForm(forms.ModelForm):
    class Meta:
        model = ContactInvitation
        fields = ["municipality", "email", "first_name", "last_name"]

    def clean(self):
        cleaned = super().clean()
        municipality, email = cleaned.get("municipality"), cleaned.get("email")
        if municipality is not None and email:
            try:
                cleaned["email"] = invitation_validate(municipality=municipality, email=email)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("expired", _("expired")), ("accepted", _("accepted"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "open":
            return queryset.filter(accepted_at__isnull=True, expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(accepted_at__isnull=True, expires_at__lte=now)
        if self.value() == "accepted":
            return queryset.filter(accepted_at__isnull=False)
        return queryset


@admin.register(ContactInvitation)
class ContactInvitationAdmin(CheckedImportMixin, admin.ModelAdmin):
    """Invitations are created (and resent, revoked) only through the invitation service;
    the admin never saves the model itself and never shows a token."""

    form = ContactInvitationAddForm
    list_display = [
        "email",
        "municipality",
        "created_at",
        "created_by",
        "expires_at",
        "state",
        "accepted_at",
    ]
    list_filter = [InvitationStateFilter, "municipality__province", "created_at"]
    list_select_related = ["municipality", "created_by"]
    search_fields = [
        "email",
        "first_name",
        "last_name",
        "municipality__name",
        "municipality__nis_code",
    ]
    autocomplete_fields = ["municipality"]
    date_hierarchy = "created_at"
    actions = ["resend_invitations", "revoke_invitations"]

    resource_classes = [ContactInvitationResource]
    import_form_class = InvitationImportForm
    confirm_form_class = InvitationConfirmImportForm
    tmp_storage_class = InvitationImportStorage
    import_template_name = "admin/municipalities/contactinvitation/import.html"

    ADD_FIELDS = ["municipality", "email", "first_name", "last_name"]
    VIEW_FIELDS = [
        "municipality",
        "email",
        "first_name",
        "last_name",
        "created_at",
        "created_by",
        "expires_at",
        "state",
        "accepted_at",
        "user",
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and rules.has_perm(
            "municipalities.invite_contact", request.user
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # An invitation is the record of who invited whom; revoke it instead.
        return False

    def get_fields(self, request, obj=None):
        return self.ADD_FIELDS if obj is None else self.VIEW_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.VIEW_FIELDS

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.accepted_at is not None:
            return _("accepted")
        if obj.expires_at <= timezone.now():
            return _("expired")
        return _("open")

    def save_model(self, request, obj, form, change):
        invitation, token = invitation_create(
            municipality=form.cleaned_data["municipality"],
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data.get("first_name", ""),
            last_name=form.cleaned_data.get("last_name", ""),
            actor=request.user,
        )
        invitation_send(invitation=invitation, token=token, request_or_base_url=request)
        # The admin logs and redirects with this object: make it the saved one.
        obj.pk = invitation.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def _latest_per_email(self, queryset):
        latest: dict[str, ContactInvitation] = {}
        for invitation in queryset.select_related("municipality").order_by("created_at", "pk"):
            latest[invitation.email] = invitation
        return list(latest.values())

    @admin.action(
        description=_("Send a new invitation (a new link; the old one stops working)"),
        permissions=["add"],
    )
    def resend_invitations(self, request, queryset):
        sent = 0
        for invitation in self._latest_per_email(queryset):
            try:
                new, token = invitation_resend(invitation=invitation, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    f"{invitation.email}: {' '.join(error.messages)}",
                    level=messages.WARNING,
                )
                continue
            invitation_send(invitation=new, token=token, request_or_base_url=request)
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent)
                % {"count": sent},
            )

    @admin.action(description=_("Revoke: the link stops working"), permissions=["add"])
    def revoke_invitations(self, request, queryset):
        revoked = sum(
            invitation_revoke(invitation=invitation, actor=request.user) for invitation in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", revoked)
            % {"count": revoked},
        )

    # --- The import (see municipalities/resources.py and core.admin.CheckedImportMixin) ----

    def import_done_message(self, count: int) -> str:
        return ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", count) % {
            "count": count
        }
