from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ProgrammeImportExportMixin, ReadOnlyAdminMixin, ReadOnlyInline
from municipalities.models import Province

from .enums import CriterionKind, SizeClass
from .facts import attribute_values, value_label
from .forms.intake import CandidacyAdminForm
from .models import (
    Amendment,
    BoardMember,
    BoardOrganisation,
    Candidacy,
    ConflictDeclaration,
    Criterion,
    Decision,
    DecisionVote,
    Programme,
    Quota,
    Review,
    Score,
    SelectionRun,
)
from .resources import BoardMemberResource, CandidacyResource
from .selectors import programmes_for_staff
from .selectors.decisions import decision_tally
from .services.board import board_change_refusal
from .services.criteria import programme_seed_criteria
from .services.intake import candidacy_save
from .services.programme import next_phase, programme_set_phase
from .services.proposal import candidacy_withdraw
from .services.public import programme_publish_page


def run_service(model_admin, request, queryset, call, done_message) -> None:
    """An admin action: the service once per selected row; its refusals become messages."""
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except ValidationError as error:
            model_admin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        except PermissionDenied:
            model_admin.message_user(request, f"{obj}: {_('Not allowed.')}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done), messages.SUCCESS)


def _board_addition_problem(programme, adding: bool) -> str | None:
    """Why a new active seat cannot be added now (the board page's rule), or None."""
    return board_change_refusal(programme) if adding and programme is not None else None


class BoardMemberInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        new = [
            form
            for form in self.extra_forms
            if form.has_changed() and not self._should_delete_form(form)
        ]
        problem = _board_addition_problem(self.instance, bool(new) and self.instance.pk)
        if problem:
            raise ValidationError(problem)


class BoardMemberInline(admin.TabularInline):
    """A seat's active flag changes on the programme's board page, through the service that
    refuses it while a draft decision waits and asks a reason once the scores are frozen;
    a new seat is refused here too while a draft decision waits."""

    model = BoardMember
    formset = BoardMemberInlineFormSet
    extra = 0
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["active"]


class BoardMemberAdminForm(forms.ModelForm):
    class Meta:
        model = BoardMember
        fields = ["programme", "user", "organisation", "active"]

    def clean(self):
        cleaned = super().clean()
        adding = self.instance.pk is None and cleaned.get("active", True)
        problem = _board_addition_problem(cleaned.get("programme"), adding)
        if problem:
            raise ValidationError(problem)
        return cleaned


class CriterionInline(ReadOnlyInline):
    """The criteria at a glance; each opens in its own page, with its quotas."""

    model = Criterion
    fields = ["position", "kind", "name", "weight", "attribute"]
    readonly_fields = fields
    show_change_link = True


class CandidacyInline(ReadOnlyInline):
    """The candidacies at a glance; each opens in its own page (saved by candidacy_save)."""

    model = Candidacy
    fields = ["municipality", "state", "sdg_status", "submitted_at", "outcome"]
    readonly_fields = fields
    show_change_link = True
    classes = ["collapse"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("municipality")


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "starts_on",
        "ends_on",
        "phase",
        "pilot_group_size",
        "call_closes_at",
        "public_page",
        "is_demo",
    ]
    list_filter = ["phase", "public_page", "is_demo", "score_visibility"]
    search_fields = ["name"]
    date_hierarchy = "starts_on"
    # The phase moves only through programme_set_phase (the programme's staff page, or the
    # action below), which checks the transitions and keeps the reason of a step back.
    # The public page too: programme_publish_page (the programme's page or the actions).
    readonly_fields = ["phase", "public_page", "public_since"]
    inlines = [CriterionInline, BoardMemberInline, CandidacyInline]
    actions = [
        "seed_standard_criteria",
        "move_to_next_phase",
        "publish_public_page",
        "withdraw_public_page",
    ]

    def _publish(self, request, queryset, public: bool, done_message):
        run_service(
            self,
            request,
            queryset,
            lambda programme: programme_publish_page(
                actor=request.user, programme=programme, public=public
            ),
            done_message,
        )

    @admin.action(description=_("Publish the public page"), permissions=["change"])
    def publish_public_page(self, request, queryset):
        self._publish(
            request,
            queryset,
            True,
            lambda n: (
                ngettext("%(count)d public page published.", "%(count)d public pages published.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Take the public page offline"), permissions=["change"])
    def withdraw_public_page(self, request, queryset):
        self._publish(
            request,
            queryset,
            False,
            lambda n: (
                ngettext(
                    "%(count)d public page taken offline.",
                    "%(count)d public pages taken offline.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Move to the next phase"), permissions=["change"])
    def move_to_next_phase(self, request, queryset):
        def step(programme):
            phase = next_phase(programme)
            if phase is None:
                raise ValidationError(_("There is no next phase to move to from here."))
            programme_set_phase(programme=programme, phase=phase, actor=request.user)

        run_service(
            self,
            request,
            queryset,
            step,
            lambda n: (
                ngettext(
                    "%(count)d programme moved to its next phase.",
                    "%(count)d programmes moved to their next phase.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Add the standard criteria and quotas"), permissions=["change"])
    def seed_standard_criteria(self, request, queryset):
        created = sum(len(programme_seed_criteria(programme=p)) for p in queryset)
        self.message_user(
            request,
            ngettext("%(count)d criterion added.", "%(count)d criteria added.", created)
            % {"count": created},
        )


@admin.register(BoardOrganisation)
class BoardOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active_member_count"]
    list_filter = ["kind"]
    search_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_active_members=Count("members", filter=Q(members__active=True)))
        )

    @admin.display(description=_("active members"), ordering="_active_members")
    def active_member_count(self, obj):
        return obj._active_members


@admin.register(BoardMember)
class BoardMemberAdmin(ProgrammeImportExportMixin, admin.ModelAdmin):
    form = BoardMemberAdminForm
    resource_classes = [BoardMemberResource]
    list_display = ["user", "user_email", "organisation", "programme", "active"]
    list_filter = ["programme", "active", "organisation__kind", "organisation"]
    list_select_related = ["user", "organisation", "programme"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def get_readonly_fields(self, request, obj=None):
        # As in the programme's inline: (de)activating a seat is the board page's service.
        return ["active"] if obj is not None else []

    def import_done_message(self, count: int) -> str:
        return ngettext(
            "%(count)d board member imported.", "%(count)d board members imported.", count
        ) % {"count": count}


@admin.register(Candidacy)
class CandidacyAdmin(ProgrammeImportExportMixin, SimpleHistoryAdmin):
    """Staff entry of candidacies; saving goes through the same service as the online form,
    and so does the import (with a preview; see selection/resources.py)."""

    form = CandidacyAdminForm
    resource_classes = [CandidacyResource]
    # The link to the staff import page; the import and export buttons are added to it.
    change_list_template = "admin/selection/candidacy/change_list.html"
    actions = ["withdraw_candidacies"]
    list_display = [
        "municipality",
        "province",
        "programme",
        "state",
        "sdg_status",
        "has_twinning",
        "flemish_gos_subsidy",
        "federal_subsidy",
        "has_contact_person",
        "outcome",
    ]
    list_filter = [
        "programme",
        "state",
        "outcome",
        "municipality__province",
        "municipality__degurba",
        "sdg_status",
        "has_contact_person",
        "has_twinning",
        "flemish_gos_subsidy",
        "federal_subsidy",
    ]
    list_select_related = ["municipality", "municipality__province", "programme"]
    search_fields = [
        "municipality__name",
        "municipality__nis_code",
        "contact_name",
        "contact_email",
        "twinning_partner",
    ]
    autocomplete_fields = ["municipality", "programme"]
    date_hierarchy = "submitted_at"

    @admin.display(description=_("province"), ordering="municipality__province__name")
    def province(self, candidacy):
        return candidacy.municipality.province

    readonly_fields = [
        "state",
        "submitted_at",
        "outcome",
        "municipality_facts",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            _("Candidacy"),
            {
                "fields": [
                    "programme",
                    "municipality",
                    "municipality_facts",
                    "submit",
                    "state",
                    "submitted_at",
                    "outcome",
                ]
            },
        ),
        (_("Motivation"), {"fields": ["motivation"]}),
        (
            _("Contact person"),
            {"fields": ["has_contact_person", "contact_name", "contact_email", "contact_phone"]},
        ),
        (
            _("Facts for the diversity quotas"),
            {
                "fields": [
                    "sdg_status",
                    "has_twinning",
                    "twinning_partner",
                    "flemish_gos_subsidy",
                    "federal_subsidy",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # A candidacy belongs to one programme and municipality for good.
            readonly += ["programme", "municipality"]
        return readonly

    @admin.display(description=_("municipality facts"))
    def municipality_facts(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        municipality = obj.municipality
        return _(
            "%(province)s · %(population)s inhabitants · %(degurba)s · size class %(size)s"
        ) % {
            "province": municipality.province.name,
            "population": municipality.population_2018,
            "degurba": municipality.get_degurba_display(),
            "size": SizeClass(obj.size_class).label,
        }

    def save_model(self, request, obj, form, change):
        saved = candidacy_save(
            programme=obj.programme,
            municipality=obj.municipality,
            data=form.intake_data(),
            submit=form.submitting,
            actor=request.user,
        )
        # The admin logs and redirects with this object: make it the saved one.
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    @admin.action(
        description=_("Record that the municipality withdrew its candidacy"),
        permissions=["change"],
    )
    def withdraw_candidacies(self, request, queryset):
        run_service(
            self,
            request,
            queryset,
            lambda candidacy: candidacy_withdraw(candidacy=candidacy, actor=request.user),
            lambda n: (
                ngettext("%(count)d candidacy withdrawn.", "%(count)d candidacies withdrawn.", n)
                % {"count": n}
            ),
        )

    def import_done_message(self, count: int) -> str:
        return ngettext(
            "%(count)d candidacy imported.", "%(count)d candidacies imported.", count
        ) % {"count": count}

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if request.user.has_perm("selection.import_candidacies"):
            extra_context["import_programmes"] = programmes_for_staff(user=request.user)
        return super().changelist_view(request, extra_context=extra_context)


class QuotaInlineFormSet(BaseInlineFormSet):
    """Quotas only on diversity criteria, with values the candidacy facts can take."""

    def clean(self):
        super().clean()
        criterion = self.instance
        quotas = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not quotas:
            return
        if criterion.kind != CriterionKind.DIVERSITY:
            raise ValidationError(_("Only diversity criteria have quotas."))
        provinces = list(Province.objects.values_list("name", flat=True))
        allowed = attribute_values(criterion.attribute, provinces)
        for form in quotas:
            value = form.cleaned_data.get("value")
            if value and value not in allowed:
                form.add_error(
                    "value",
                    _("Not a value of this fact. Possible values: %(values)s")
                    % {"values": ", ".join(allowed)},
                )
            low, high = form.cleaned_data.get("minimum"), form.cleaned_data.get("maximum")
            if low is not None and high is not None and low > high:
                form.add_error("maximum", _("At most must not be less than at least."))


class QuotaInline(admin.TabularInline):
    model = Quota
    formset = QuotaInlineFormSet
    fields = ["value", "minimum", "maximum"]
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "programme", "kind", "attribute", "weight", "position", "quota_count"]
    list_filter = ["programme", "kind", "attribute"]
    list_select_related = ["programme"]
    search_fields = ["name", "rubric", "programme__name"]
    autocomplete_fields = ["programme"]
    readonly_fields = ["possible_values"]
    fieldsets = [
        (None, {"fields": ["programme", "kind", "name", "position"]}),
        (_("Judgement"), {"fields": ["weight", "rubric", "scale_labels"]}),
        (_("Diversity"), {"fields": ["attribute", "possible_values"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_quota_count=Count("quotas"))

    def get_inlines(self, request, obj):
        if obj is None or obj.kind == CriterionKind.DIVERSITY:
            return [QuotaInline]
        return []

    @admin.display(description=_("quotas"), ordering="_quota_count")
    def quota_count(self, obj):
        return obj._quota_count

    @admin.display(description=_("possible quota values"))
    def possible_values(self, obj):
        if obj is None or obj.kind != CriterionKind.DIVERSITY or not obj.attribute:
            return "-"
        provinces = list(Province.objects.values_list("name", flat=True))
        return ", ".join(
            f"{value} ({value_label(obj.attribute, value)})"
            for value in attribute_values(obj.attribute, provinces)
        )


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    """Quotas are edited with their criterion (which checks their values); listed here."""

    list_display = ["criterion", "programme", "value", "minimum", "maximum"]
    list_filter = ["criterion__programme", "criterion__attribute"]
    list_select_related = ["criterion__programme"]
    search_fields = ["value", "criterion__name"]

    @admin.display(description=_("programme"), ordering="criterion__programme")
    def programme(self, quota):
        return quota.criterion.programme

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Proposal and decision: read-only in the admin; the staff pages record them. -----------


@admin.register(SelectionRun)
class SelectionRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "programme", "aggregation", "status", "created_by", "created_at"]
    list_filter = ["programme", "status", "aggregation"]
    search_fields = ["programme__name", "scores_hash", "settings_hash"]
    list_select_related = ["programme", "created_by"]
    date_hierarchy = "created_at"
    fields = [
        "programme",
        "aggregation",
        "status",
        "created_by",
        "created_at",
        "scores_hash",
        "settings_hash",
        "input",
        "result",
        "reserve",
    ]
    readonly_fields = fields


class DecisionVoteInline(ReadOnlyInline):
    model = DecisionVote
    fields = ["member", "present", "vote"]
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = Amendment
    fields = ["candidacy", "action", "reason"]
    readonly_fields = fields


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "programme",
        "meeting_date",
        "status",
        "rule",
        "carried",
        "unanimous",
        "run",
        "confirmed_at",
    ]
    list_filter = ["programme", "status", "rule"]
    list_select_related = ["programme", "run"]
    search_fields = ["programme__name", "meeting_location", "minutes", "scores_hash"]
    date_hierarchy = "meeting_date"
    inlines = [DecisionVoteInline, AmendmentInline]
    fields = [
        "programme",
        "run",
        "supersedes",
        "status",
        "meeting_date",
        "meeting_location",
        "rule",
        "quorum",
        "carried",
        "unanimous",
        "minutes",
        "selected",
        "scores_hash",
        "created_by",
        "created_at",
        "confirmed_by",
        "confirmed_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("votes")

    @admin.display(description=_("unanimous"), boolean=True)
    def unanimous(self, obj):
        count = decision_tally(obj)
        return count.present > 0 and count.votes_for == count.present

    @admin.display(description=_("carried under its rule"), boolean=True)
    def carried(self, obj):
        return decision_tally(obj).carried


# --- Board members' work: visible to staff, written only by the members' own pages. ---------


class ScoreInline(ReadOnlyInline):
    model = Score
    fields = ["criterion", "value", "not_applicable", "comment"]
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["candidacy", "member", "status", "submitted_at", "updated_at"]
    list_filter = ["candidacy__programme", "status", "member"]
    list_select_related = ["candidacy__municipality", "candidacy__programme", "member__user"]
    search_fields = ["candidacy__municipality__name", "member__user__email"]
    inlines = [ScoreInline]


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["candidacy", "member", "conflict_type", "declared_at"]
    list_filter = ["candidacy__programme", "conflict_type"]
    list_select_related = ["candidacy__municipality", "member__user", "member__organisation"]
    search_fields = ["candidacy__municipality__name", "member__user__email", "note"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["review", "criterion", "value", "not_applicable"]
    list_filter = ["review__candidacy__programme", "criterion__kind", "not_applicable"]
    list_select_related = [
        "review__candidacy__municipality",
        "review__member__user",
        "criterion",
    ]
    search_fields = ["review__candidacy__municipality__name", "review__member__user__email"]


@admin.register(DecisionVote)
class DecisionVoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["decision", "member", "present", "vote"]
    list_filter = ["decision__programme", "present", "vote"]
    list_select_related = ["decision__programme", "member__user"]
    search_fields = ["member__user__email", "member__user__last_name"]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["decision", "candidacy", "action"]
    list_filter = ["decision__programme", "action"]
    list_select_related = ["decision__programme", "candidacy__municipality"]
    search_fields = ["candidacy__municipality__name", "reason"]
