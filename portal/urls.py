from django.urls import path

from .views import contact, contacts_staff, invitations, overview, progress
from .views import dashboard as dashboard_views
from .views import public as public_views

app_name = "portal"

urlpatterns = [
    # A municipality's own pages: its contacts and staff (any other id answers 404).
    path("municipalities/<str:nis_code>/", contact.home, name="home"),
    path(
        "municipalities/<str:nis_code>/assessment/<str:track>/",
        contact.assessment,
        name="assessment",
    ),
    path("municipalities/<str:nis_code>/goals/", contact.goals, name="goals"),
    path("municipalities/<str:nis_code>/goals/<int:number>/", contact.goal, name="goal"),
    path("municipalities/<str:nis_code>/milestones/", contact.milestones, name="milestones"),
    path("municipalities/<str:nis_code>/actions/", contact.actions, name="actions"),
    path("municipalities/<str:nis_code>/actions/<str:key>/", contact.action, name="action"),
    path("municipalities/<str:nis_code>/documents/<int:pk>/", contact.document, name="document"),
    path("municipalities/<str:nis_code>/history/", contact.history, name="history"),
    path(
        "municipalities/<str:nis_code>/history/<int:number>/restore/",
        contact.restore,
        name="restore",
    ),
    path("staff/dashboard/", dashboard_views.dashboard, name="dashboard"),
    # Staff overviews of every municipality.
    path("staff/status/", overview.heatmap, name="heatmap"),
    path("staff/status/map/", progress.status_map, name="map"),
    path("staff/status/export.csv", overview.export_csv, name="export_csv"),
    path("staff/status/export.xlsx", overview.export_xlsx, name="export_xlsx"),
    path("staff/status/snapshots/", progress.snapshots, name="snapshots"),
    path("staff/status/compare/", progress.compare, name="compare"),
    # Staff pages of the municipalities' contact persons and their invitations.
    path("staff/contacts/", contacts_staff.contact_list, name="contacts"),
    path("staff/contacts/invite/", contacts_staff.invite, name="contact_invite"),
    path(
        "staff/contacts/invitations/<int:pk>/resend/",
        contacts_staff.resend,
        name="contact_invitation_resend",
    ),
    path(
        "staff/contacts/invitations/<int:pk>/revoke/",
        contacts_staff.revoke,
        name="contact_invitation_revoke",
    ),
    # The link of an invitation e-mail: no login, the token is the key.
    path("invitation/<str:token>/", invitations.accept, name="invitation_accept"),
    # A programme's public page (no login, off by default) and the staff switch for it.
    path("public/programmes/<int:pk>/", public_views.public_page, name="public_page"),
    path(
        "staff/programmes/<int:programme_pk>/public/",
        public_views.public_switch,
        name="public_switch",
    ),
]
