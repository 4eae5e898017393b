from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import BoardMember, BoardOrganisation, Candidacy, Programme


class BoardMemberInline(admin.TabularInline):
    model = BoardMember
    extra = 0
    autocomplete_fields = ["user", "organisation"]


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "starts_on", "ends_on", "phase", "pilot_group_size"]
    list_filter = ["phase"]
    inlines = [BoardMemberInline]


@admin.register(BoardOrganisation)
class BoardOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(BoardMember)
class BoardMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "programme", "active"]
    list_filter = ["programme", "active", "organisation__kind"]
    list_select_related = ["user", "organisation", "programme"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Candidacy)
class CandidacyAdmin(SimpleHistoryAdmin):
    list_display = [
        "municipality",
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
        "has_twinning",
        "flemish_gos_subsidy",
        "federal_subsidy",
    ]
    list_select_related = ["municipality", "programme"]
    search_fields = ["municipality__name", "municipality__nis_code", "contact_name"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["created_at", "updated_at"]
