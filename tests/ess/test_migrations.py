"""Models that changed app keep their rows: a database migrated before the move, with data in it, migrates
forward and the rows are there under the new app (the tables keep their names; only Django's state moves).

Runs on whichever database the suite uses; .ci/run makes that PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("dispatch", "0005_canned_replies"), ("console", None), ("dashboard", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    # The models as they were at the named nodes (an app taken back to zero has none).
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1]]).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_it_moves_canned_replies_and_export_records_without_losing_a_row(admin_user):
    from django.contrib.contenttypes.models import ContentType

    old = migrate(BEFORE_THE_MOVE)
    OldReply = old.get_model("dispatch", "CannedReply")
    OldExport = old.get_model("dispatch", "ExportRecord")
    OldReply.objects.create(title="ทดสอบย้าย", text_th="ข้อความเดิม", position=99)
    OldExport.objects.create(user_id=admin_user.pk, role="admin", query="province=10", rows=7)
    ContentType.objects.get_or_create(app_label="dispatch", model="cannedreply")

    try:
        migrate(latest())
    finally:
        # Whatever happened, leave the database at the latest state for the tests after this one.
        migrate(latest())

    from console.models import CannedReply
    from dashboard.models import ExportRecord

    assert CannedReply.objects.get(title="ทดสอบย้าย").text_th == "ข้อความเดิม"
    assert ExportRecord.objects.get(query="province=10").rows == 7
    # The admin permissions on canned replies follow the model to its new app.
    assert ContentType.objects.filter(app_label="console", model="cannedreply").exists()
    assert not ContentType.objects.filter(app_label="dispatch", model="cannedreply").exists()
