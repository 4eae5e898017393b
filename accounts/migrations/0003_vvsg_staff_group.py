"""The "VVSG staff" group: what staff who are not superusers need in the admin.

View, add and change where the admin edits rows; view only where the application writes
them (the SDG status and its history, snapshots, selection runs, decisions and their votes,
reviews and scores, conflict declarations, deliveries, invitations' answers, calendar feeds).
Delete only where it is harmless: a draft meeting (the admin refuses to delete a published
or cancelled one), an agenda item or a link of a meeting, and a quota (quotas are edited
with their criterion and keep their history). Never on decisions, audit rows or history.

No permissions on groups, permissions or superusers: the user admin keeps those to
superusers (accounts/admin.py). Import and export need no permissions of their own: the
import needs the add permission, the export the view permission (core/admin.py).

Permissions are created after migrate (post_migrate), so this migration creates them first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "VVSG staff"

VIEW, EDIT, EDIT_DELETE = "v", "vac", "vacd"

GRANTS = {
    "accounts": {"user": EDIT},
    "core": {"heartbeat": VIEW},
    "municipalities": {
        "province": VIEW,
        "arrondissement": VIEW,
        "municipality": VIEW,
        "sdggoal": VIEW,
        "sdgtarget": VIEW,
        "municipalitycontact": EDIT,
        "assessmentquestion": EDIT,
        "assessmentoption": EDIT,
        "statusversion": VIEW,
        "municipalitystatus": VIEW,
        "statusdocument": VIEW,
        "snapshot": VIEW,
        "snapshotentry": VIEW,
        # Invitations are added (one, or an imported file) and resent or revoked; never edited.
        "contactinvitation": "va",
    },
    "selection": {
        "programme": EDIT,
        "boardorganisation": EDIT,
        "boardmember": EDIT,
        "candidacy": EDIT,
        "criterion": EDIT,
        "quota": EDIT_DELETE,
        "conflictdeclaration": VIEW,
        "review": VIEW,
        "score": VIEW,
        "selectionrun": VIEW,
        "decision": VIEW,
        "decisionvote": VIEW,
        "amendment": VIEW,
    },
    "meetings": {
        "meeting": EDIT_DELETE,
        "agendaitem": EDIT_DELETE,
        "meetinglink": EDIT_DELETE,
        "meetingdocument": VIEW,
        "invitation": VIEW,
        "expectation": EDIT,
        "expectationreview": EDIT,
        "reminderrule": EDIT,
        "delivery": VIEW,
        "calendarfeed": VIEW,
        "reminderoptout": VIEW,
        "dispatchstate": VIEW,
    },
    "partners": {
        "partner": EDIT,
        "partnercontact": EDIT,
        "subsidy": EDIT,
        "subsidyreport": EDIT,
    },
}
ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def codenames(app_label: str) -> list[str]:
    return [
        f"{ACTIONS[letter]}_{model}"
        for model, letters in GRANTS[app_label].items()
        for letter in letters
    ]


def create_group(apps, schema_editor):
    using = schema_editor.connection.alias if schema_editor else "default"
    for app_label in GRANTS:
        app_config = apps.get_app_config(app_label)
        # create_permissions skips an app without a models module, as historical apps are.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=using)
        finally:
            app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _created = group_model.objects.get_or_create(name=GROUP)
    permissions = []
    for app_label in GRANTS:
        wanted = codenames(app_label)
        found = list(
            permission_model.objects.filter(content_type__app_label=app_label, codename__in=wanted)
        )
        missing = set(wanted) - {permission.codename for permission in found}
        if missing:
            raise RuntimeError(f"Permissions not found for {app_label}: {sorted(missing)}")
        permissions += found
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("municipalities", "0003_assessment_questions"),
        ("selection", "0004_programme_public_page"),
        ("meetings", "0004_default_reminder_rules"),
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
