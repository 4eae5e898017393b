"""The meetings' admin. Publishing (or recording as held), rescheduling and cancelling go
through meetings.services (so invitations, updates and reminders are planned as on the staff
pages): the status and the calendar fields are read-only here, the actions call the
services, and saving a meeting hands the changed fields to `meeting_update`. Deliveries,
invitations, calendar feeds, opt-outs and the pause switch are shown, never written."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin import (
    ProgrammeImportExportMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    limit_lengths,
)
from core.forms import COMMENT_MAX_LENGTH, LONG_TEXT_MAX_LENGTH
from municipalities.enums import Audience

from . import reminders, services
from .enums import MeetingStatus
from .models import (
    AgendaItem,
    CalendarFeed,
    Delivery,
    DispatchState,
    Expectation,
    ExpectationReview,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingLink,
    ReminderOptOut,
    ReminderRule,
)
from .resources import MeetingResource

M2M_FIELDS = ("chosen_municipalities", "chosen_people")

REPORT_FIELDS = ("minutes", "outcome")


class HttpsLinks:
    """Links typed without a scheme are https ones (Django 6's default, asked for now)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["order", "title", "description", "minutes"]


class MeetingLinkInline(HttpsLinks, admin.TabularInline):
    model = MeetingLink
    extra = 0
    fields = ["title", "url"]


class MeetingDocumentInline(ReadOnlyInline):
    """Files are added on the meeting's staff page, where their content is checked."""

    model = MeetingDocument
    fields = ["name", "extension", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = fields


class InvitationInline(ReadOnlyInline):
    model = Invitation
    fields = ["user", "municipality", "active", "answer", "answered_at", "attended"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "municipality")


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ["kind", "key", "recipient", "status", "due_at", "attempts", "sent_at", "error"]
    readonly_fields = fields
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient")


class MeetingAdminForm(forms.ModelForm):
    online_link = forms.URLField(
        label=_("online link"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Meeting
        fields = [
            "programme",
            "kind",
            "title",
            "organiser",
            "starts_at",
            "ends_at",
            "location",
            "online_link",
            "description",
            "audience",
            "contact_scope",
            "chosen_municipalities",
            "chosen_people",
            "minutes",
            "outcome",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, description=LONG_TEXT_MAX_LENGTH, minutes=LONG_TEXT_MAX_LENGTH)
        limit_lengths(self, outcome=COMMENT_MAX_LENGTH)

    def clean(self):
        data = super().clean()
        meeting = self.instance
        starts_at = data.get("starts_at")
        if (
            meeting.pk
            and meeting.status == MeetingStatus.PUBLISHED
            and starts_at
            and starts_at != meeting.starts_at
            and starts_at <= timezone.now()
        ):
            self.add_error(
                "starts_at", _("A published meeting cannot be moved to a time in the past.")
            )
        return data


@admin.register(Meeting)
class MeetingAdmin(ProgrammeImportExportMixin, HttpsLinks, SimpleHistoryAdmin):
    form = MeetingAdminForm
    resource_classes = [MeetingResource]
    list_display = [
        "title",
        "kind",
        "starts_at",
        "status",
        "audience",
        "programme",
        "invited_count",
    ]
    list_filter = ["status", "kind", "audience", "programme"]
    search_fields = ["title", "location", "description", "programme__name"]
    date_hierarchy = "starts_at"
    list_select_related = ["programme"]
    autocomplete_fields = ["programme", "chosen_municipalities", "chosen_people", "organiser"]
    readonly_fields = ["status", "uid", "sequence", "published_at"]
    fieldsets = [
        (None, {"fields": ["programme", "kind", "title", "status", "organiser"]}),
        (_("When and where"), {"fields": ["starts_at", "ends_at", "location", "online_link"]}),
        (_("Description"), {"fields": ["description"]}),
        (
            _("Who is invited"),
            {"fields": ["audience", "contact_scope", "chosen_municipalities", "chosen_people"]},
        ),
        (_("Report"), {"fields": ["minutes", "outcome"]}),
        (_("Calendar"), {"fields": ["uid", "sequence", "published_at"]}),
    ]
    inlines = [
        AgendaItemInline,
        MeetingLinkInline,
        MeetingDocumentInline,
        InvitationInline,
        DeliveryInline,
    ]
    actions = ["publish_meetings", "record_meetings_held", "cancel_meetings"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_invited=Count("invitations", filter=Q(invitations__active=True)))
        )

    @admin.display(description=_("invited"), ordering="_invited")
    def invited_count(self, obj):
        return obj._invited

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == MeetingStatus.CANCELLED:
            # A cancelled meeting stays as its invitees were told; the report can be written.
            return [
                field.name
                for field in Meeting._meta.get_fields()
                if field.concrete
                and not field.auto_created
                and field.name not in REPORT_FIELDS
                and field.name != "id"
            ]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # A published or cancelled meeting was told to its invitees: cancel it instead.
        if obj is not None and obj.status != MeetingStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            # A new meeting is a draft; nobody is told anything until it is published.
            obj.status = MeetingStatus.DRAFT
            obj.organiser = obj.organiser or request.user
            super().save_model(request, obj, form, change)
        # A change is saved by save_related, through the service, once the form's chosen
        # municipalities and people are known.

    def save_related(self, request, form, formsets, change):
        if not change:
            super().save_related(request, form, formsets, change)
            return
        meeting = form.instance
        changed = set(form.changed_data)
        fields = {
            name: form.cleaned_data[name] for name in changed if name in services.EDITABLE_FIELDS
        }
        related = {name: form.cleaned_data[name] for name in M2M_FIELDS if name in changed}
        try:
            if meeting.status != MeetingStatus.CANCELLED and (fields or related):
                services.meeting_update(meeting=meeting, actor=request.user, **fields, **related)
            if changed & set(REPORT_FIELDS):
                services.meeting_report_save(
                    meeting=meeting,
                    actor=request.user,
                    minutes=form.cleaned_data.get("minutes", meeting.minutes),
                    outcome=form.cleaned_data.get("outcome", meeting.outcome),
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def import_done_message(self, count: int) -> str:
        return ngettext(
            "%(count)d meeting imported as a draft.",
            "%(count)d meetings imported as drafts.",
            count,
        ) % {"count": count}

    def _run(self, request, queryset, service, done_message):
        done = 0
        for meeting in queryset:
            try:
                service(meeting=meeting, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", messages.ERROR)
            except PermissionDenied:
                self.message_user(request, f"{meeting}: {_('Not allowed.')}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish and invite the audience"))
    def publish_meetings(self, request, queryset):
        self._run(
            request,
            queryset,
            services.meeting_publish,
            lambda n: (
                ngettext("%(count)d meeting published.", "%(count)d meetings published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Record as held, without any mail (meetings that took place)"))
    def record_meetings_held(self, request, queryset):
        self._run(
            request,
            queryset,
            services.meeting_record_held,
            lambda n: (
                ngettext(
                    "%(count)d meeting recorded as held.", "%(count)d meetings recorded as held.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Cancel and tell the invitees"))
    def cancel_meetings(self, request, queryset):
        self._run(
            request,
            queryset,
            services.meeting_cancel,
            lambda n: (
                ngettext("%(count)d meeting cancelled.", "%(count)d meetings cancelled.", n)
                % {"count": n}
            ),
        )


class ReminderRuleAdminForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = [
            "kind",
            "name",
            "offset_days",
            "target",
            "include_documents",
            "active",
            "subject_nl",
            "body_nl",
            "subject_en",
            "body_en",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, body_nl=LONG_TEXT_MAX_LENGTH, body_en=LONG_TEXT_MAX_LENGTH)
        # The model's validators hold the range; the form field says it too (and so refuses
        # a number too large for the database before the model sees it).
        offset = self.fields["offset_days"]
        offset.min_value, offset.max_value = -365, 60
        offset.widget.attrs.update({"min": -365, "max": 60})

    def clean(self):
        # A template that cannot render would fail every mail of the rule at send time.
        from .mail import rule_text_problem

        cleaned = super().clean()
        for name in ("subject_nl", "subject_en", "body_nl", "body_en"):
            problem = rule_text_problem(cleaned.get(name) or "")
            if problem:
                self.add_error(name, problem)
        return cleaned


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    """The reminder policy per meeting kind, editable by staff. A saved rule re-plans the
    pending reminders of the upcoming published meetings of its kind."""

    form = ReminderRuleAdminForm
    list_display = ["kind", "name", "offset_days", "target", "include_documents", "active"]
    list_filter = ["kind", "target", "active"]
    search_fields = ["name", "subject_nl", "subject_en"]
    fieldsets = [
        (
            None,
            {"fields": ["kind", "name", "offset_days", "target", "include_documents", "active"]},
        ),
        (_("Dutch"), {"fields": ["subject_nl", "body_nl"]}),
        (_("English"), {"fields": ["subject_en", "body_en"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        kinds = {obj.kind, *([form.initial.get("kind")] if change else [])}
        for meeting in Meeting.objects.filter(
            kind__in=[kind for kind in kinds if kind],
            status=MeetingStatus.PUBLISHED,
            ends_at__gt=timezone.now(),
        ):
            reminders.reminders_plan(meeting=meeting)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "meeting",
        "recipient",
        "kind",
        "status",
        "due_at",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["key", "recipient__email", "meeting__title", "error"]
    date_hierarchy = "due_at"
    list_select_related = ["meeting", "recipient"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Invitations follow from a meeting's audience (meetings.services.invitations_sync);
    answers come from the invitees, attendance from the staff's attendance page."""

    list_display = ["meeting", "user", "municipality", "active", "answer", "attended"]
    list_filter = ["answer", "active", "attended", "meeting__kind"]
    search_fields = ["user__email", "user__last_name", "municipality__name", "meeting__title"]
    list_select_related = ["meeting", "user", "municipality"]


class ExpectationAdminForm(forms.ModelForm):
    audiences = forms.MultipleChoiceField(
        label=_("audiences"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Expectation
        fields = ["meeting", "municipality", "category", "text", "audiences"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, text=COMMENT_MAX_LENGTH)


class ExpectationReviewForm(forms.ModelForm):
    class Meta:
        model = ExpectationReview
        fields = ["meeting", "fulfilment", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_lengths(self, note=COMMENT_MAX_LENGTH)

    def clean(self):
        data = super().clean()
        meeting = data.get("meeting")
        expectation = getattr(self, "parent_expectation", None)
        if meeting and expectation is not None and expectation.meeting_id:
            raised_at = expectation.meeting
            if meeting.programme_id != raised_at.programme_id:
                self.add_error(
                    "meeting", _("An expectation is reviewed at a meeting of its own programme.")
                )
            elif meeting.starts_at <= raised_at.starts_at:
                self.add_error(
                    "meeting",
                    _("An expectation is reviewed at a meeting after the one that raised it."),
                )
        return data


class ExpectationReviewInline(admin.TabularInline):
    model = ExpectationReview
    form = ExpectationReviewForm
    extra = 0
    fk_name = "expectation"
    autocomplete_fields = ["meeting"]
    fields = ["meeting", "fulfilment", "note", "reviewed_at", "reviewed_by"]
    readonly_fields = ["reviewed_at", "reviewed_by"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The inline's forms check the review's meeting against the expectation's.
        formset.form = type(
            "BoundExpectationReviewForm", (formset.form,), {"parent_expectation": obj}
        )
        return formset


@admin.register(Expectation)
class ExpectationAdmin(SimpleHistoryAdmin):
    form = ExpectationAdminForm
    list_display = ["short_text", "meeting", "municipality", "category", "review_count"]
    list_filter = ["category", "meeting__programme", "meeting__kind"]
    search_fields = ["text", "municipality__name", "meeting__title"]
    autocomplete_fields = ["meeting", "municipality"]
    list_select_related = ["meeting", "municipality"]
    readonly_fields = ["created_at", "created_by"]
    inlines = [ExpectationReviewInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_reviews=Count("reviews"))

    @admin.display(description=_("expectation"))
    def short_text(self, obj):
        return str(obj)

    @admin.display(description=_("reviews"), ordering="_reviews")
    def review_count(self, obj):
        return obj._reviews

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reviews = formset.save(commit=False)
        for review in reviews:
            review.reviewed_by = request.user
            review.reviewed_at = timezone.now()
            review._history_user = request.user
            review.save()
        for review in formset.deleted_objects:
            review.delete()


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    # The token is the secret of the person's feed: never shown, not even to staff.
    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(DispatchState)
class DispatchStateAdmin(ReadOnlyAdmin):
    """Shown only: the pause switch is on the staff's reminders page."""

    list_display = ["__str__", "changed_at", "changed_by"]
    list_select_related = ["changed_by"]


# --- The parts of a meeting, each also listed on its own (edited in the meeting's page). ---


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "order", "minutes"]
    list_filter = ["meeting__programme", "meeting__kind"]
    list_select_related = ["meeting"]
    search_fields = ["title", "description", "meeting__title"]
    autocomplete_fields = ["meeting"]


@admin.register(MeetingLink)
class MeetingLinkAdmin(HttpsLinks, admin.ModelAdmin):
    list_display = ["title", "url", "meeting"]
    list_filter = ["meeting__programme"]
    list_select_related = ["meeting"]
    search_fields = ["title", "url", "meeting__title"]
    autocomplete_fields = ["meeting"]


@admin.register(MeetingDocument)
class MeetingDocumentAdmin(ReadOnlyAdmin):
    """Files are added on the meeting's staff page, where their content is checked."""

    list_display = ["name", "meeting", "extension", "size", "uploaded_at", "uploaded_by"]
    list_filter = ["extension", "meeting__programme"]
    list_select_related = ["meeting", "uploaded_by"]
    search_fields = ["name", "meeting__title"]
    date_hierarchy = "uploaded_at"
    fields = ["name", "meeting", "extension", "size", "uploaded_at", "uploaded_by"]
    readonly_fields = fields


@admin.register(ExpectationReview)
class ExpectationReviewAdmin(ReadOnlyAdmin):
    """Reviews are written with their expectation (its page here, or the meeting's review
    page); listed here."""

    list_display = ["expectation", "meeting", "fulfilment", "reviewed_at", "reviewed_by"]
    list_filter = ["fulfilment", "meeting__programme"]
    list_select_related = ["expectation", "meeting", "reviewed_by"]
    search_fields = ["expectation__text", "note", "meeting__title"]
