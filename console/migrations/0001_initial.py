# CannedReply moves here from dispatch. The table keeps its name (dispatch_cannedreply), so only Django's
# idea of which app owns it changes: no rows are copied, nothing is lost.

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Keeps the admin permissions granted on canned replies (they hang off the content type).
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dispatch", model="cannedreply").update(app_label="console")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="console", model="cannedreply").update(app_label="dispatch")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dispatch", "0005_canned_replies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CannedReply",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(help_text="What operators see in the list.", max_length=80, verbose_name="title")),
                        ("text_th", models.TextField(max_length=5000, verbose_name="text in Thai")),
                        ("text_en", models.TextField(blank=True, help_text="Sent to reporters whose LINE is in English; Thai if empty.", max_length=5000, verbose_name="text in English")),
                        ("position", models.PositiveSmallIntegerField(default=0, verbose_name="position")),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                    ],
                    options={
                        "verbose_name": "canned reply",
                        "verbose_name_plural": "canned replies",
                        "db_table": "dispatch_cannedreply",
                        "ordering": ["position", "id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
