from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dispatch import directory


class Command(BaseCommand):
    help = (
        "Create or update staff accounts from a CSV file with the columns "
        + ", ".join(directory.STAFF_COLUMNS)
        + " (provinces: DOPA codes separated by spaces, or the word national for every province; "
        "agency_code: responders only). New "
        "accounts get a random first password, printed once; existing ones keep theirs. Nothing is written unless "
        "every row is right."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file} as UTF-8 CSV: {exc}") from exc
        try:
            result = directory.import_csv(text, "staff")
        except directory.DirectoryImportError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(str(exc)) from exc
        for line in directory.summary(result):
            self.stdout.write(line)
