from django.contrib import admin

from .models import Arrondissement, Municipality, MunicipalityContact, Province, SDGGoal, SDGTarget


class ReadOnlyReferenceAdmin(admin.ModelAdmin):
    """Reference data comes from load_reference_data; the admin only shows it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyReferenceAdmin):
    list_display = ["name", "nis_code"]


@admin.register(Arrondissement)
class ArrondissementAdmin(ReadOnlyReferenceAdmin):
    list_display = ["name", "nis_code", "province"]
    list_filter = ["province"]


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


class SDGTargetInline(admin.TabularInline):
    model = SDGTarget
    fields = ["code", "type", "text_en"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SDGGoal)
class SDGGoalAdmin(ReadOnlyReferenceAdmin):
    list_display = ["number", "short_title_nl", "short_title_en", "colour"]
    inlines = [SDGTargetInline]


@admin.register(SDGTarget)
class SDGTargetAdmin(ReadOnlyReferenceAdmin):
    list_display = ["code", "goal", "type"]
    list_filter = ["goal", "type"]
    search_fields = ["code", "text_en"]


@admin.register(MunicipalityContact)
class MunicipalityContactAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "job_title", "phone"]
    list_select_related = ["user", "municipality"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "municipality__name"]
    autocomplete_fields = ["user", "municipality"]
    fieldsets = ((None, {"fields": ["user", "municipality", "job_title", "phone"]}),)
