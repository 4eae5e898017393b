from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "starts_at", "location", "programme"]
    list_filter = ["programme", "kind"]
    search_fields = ["title", "location"]
    date_hierarchy = "starts_at"
