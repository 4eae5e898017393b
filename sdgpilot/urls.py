from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from core import views as core_views

admin.site.site_header = _("SDG pilot programme administration")
admin.site.site_title = _("SDG pilot programme")
admin.site.index_title = _("Programme management")

urlpatterns = [
    path("", core_views.start, name="start"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    # The language switch must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("portal.urls")),
    path("", include("meetings.urls")),
    path("", include("partners.urls")),
    path("", include("selection.urls")),
    path("", include("reports.urls")),
]
