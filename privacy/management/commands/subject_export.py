from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from incidents.errors import ActionRefused
from privacy import subject


def staff_member(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No staff account {username!r}.")
    return user


class Command(BaseCommand):
    help = (
        "Answer a reporter's access request: everything held about them (by LINE user id or case reference) "
        "as subject.json plus their photos, in one zip. The export is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="The reporter's LINE user id (U…) or one of their case references.")
        parser.add_argument("--out", required=True, help="Where to write the zip.")
        parser.add_argument("--by", help="Username of the staff member answering the request (for the log).")

    def handle(self, *args, key: str, out: str, by: str | None = None, **options):
        try:
            reporter = subject.find_reporter(key)
        except ActionRefused as refused:
            raise CommandError(str(refused)) from None
        data = subject.export_reporter(reporter, staff_member(by))
        Path(out).write_bytes(data)
        self.stdout.write(f"Wrote {out} ({len(data)} bytes) for reporter {reporter.pk}.")
