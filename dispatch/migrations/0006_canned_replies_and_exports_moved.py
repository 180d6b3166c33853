# CannedReply went to the console app, ExportRecord to the dashboard app (their 0001 migrations take
# them over with the same tables): dispatch forgets them without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("dispatch", "0005_canned_replies"),
        ("console", "0001_initial"),
        ("dashboard", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CannedReply"),
                migrations.DeleteModel(name="ExportRecord"),
            ],
            database_operations=[],
        ),
    ]
