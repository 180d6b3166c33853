from django.core.management.base import BaseCommand, CommandError

from incidents.errors import ActionRefused
from privacy import subject
from privacy.management.commands.subject_export import staff_member


class Command(BaseCommand):
    help = (
        "Erase a reporter on their request (by LINE user id or case reference), with the reason. Refused "
        "while one of their cases is open or on legal hold. The erasure is logged; the cases stay, anonymous."
    )

    def add_arguments(self, parser):
        parser.add_argument("key", help="The reporter's LINE user id (U…) or one of their case references.")
        parser.add_argument("--reason", required=True, help="How and when the reporter asked.")
        parser.add_argument("--by", help="Username of the staff member answering the request (for the log).")

    def handle(self, *args, key: str, reason: str, by: str | None = None, **options):
        try:
            reporter = subject.find_reporter(key)
            request = subject.erase_reporter(reporter, staff_member(by), reason)
        except ActionRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"Erased reporter {request.reporter_id} (cases: {', '.join(request.references) or '—'}).")
