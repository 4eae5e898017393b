"""Every meeting gets its own calendar UID, then the UID becomes unique."""

import uuid

from django.db import migrations, models


def give_uids(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    for meeting in Meeting.objects.all():
        meeting.uid = uuid.uuid4()
        meeting.save(update_fields=["uid"])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0002_meetings_and_reminders")]

    operations = [
        migrations.RunPython(give_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="meeting",
            name="uid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="calendar UID"
            ),
        ),
        migrations.AlterField(
            model_name="historicalmeeting",
            name="uid",
            field=models.UUIDField(
                db_index=True, default=uuid.uuid4, editable=False, verbose_name="calendar UID"
            ),
        ),
    ]
