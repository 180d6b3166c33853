# ExportRecord moves here from dispatch. The table keeps its name (dispatch_exportrecord), so only Django's
# idea of which app owns it changes: no rows are copied, nothing is lost.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    # Keeps the admin permissions on the export audit trail (they hang off the content type).
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dispatch", model="exportrecord").update(app_label="dashboard")


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="dashboard", model="exportrecord").update(app_label="dispatch")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dispatch", "0005_canned_replies"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("role", models.CharField(max_length=16, verbose_name="role")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="exported")),
                        ("query", models.TextField(blank=True, help_text="The dashboard query string of the export.", verbose_name="filters")),
                        ("rows", models.PositiveIntegerField(default=0, verbose_name="rows")),
                        ("with_identity", models.BooleanField(default=False, verbose_name="with reporter identity")),
                        ("user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "case export",
                        "verbose_name_plural": "case exports",
                        "db_table": "dispatch_exportrecord",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
