from django.core.management.base import BaseCommand

from privacy import retention


class Command(BaseCommand):
    help = (
        "Apply the retention rules now (the worker does this every RETENTION_CHECK_SECONDS): empty old raw "
        "webhook payloads, delete media of long-ended cases not on legal hold, anonymise reporters. "
        "--dry-run says what it would do and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; list what would be done.")
        parser.add_argument("--all", action="store_true", help="Repeat until nothing is left (not one batch).")

    def handle(self, *args, dry_run: bool = False, all: bool = False, **options):
        while True:
            report = retention.run(dry_run=dry_run)
            for line in report.lines():
                self.stdout.write(line)
            if dry_run or not all or not report.total:
                break
