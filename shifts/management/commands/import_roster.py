"""python manage.py import_roster roster.csv — load shift rosters (see docs/shifts.md for the columns)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shifts.actions import CSV_COLUMNS, import_roster


class Command(BaseCommand):
    help = f"Import a shift roster CSV with the columns {','.join(CSV_COLUMNS)} (times in Asia/Bangkok)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file (UTF-8).")

    def handle(self, *args, path: str, **options):
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        result = import_roster(text)
        if result.errors:
            raise CommandError("Nothing imported:\n" + "\n".join(result.errors))
        self.stdout.write(f"Roster imported: {result.created} new, {result.replaced} replaced.")
