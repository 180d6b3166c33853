from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dispatch import directory


class Command(BaseCommand):
    help = (
        "Export the directory as CSV (agencies.csv, areas.csv, responders.csv) or import one such file. An import "
        "checks every row first and writes nothing unless all are right; each problem names its row and column."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write agencies.csv, areas.csv and responders.csv into DIR.")
        export.add_argument("dir")
        load = sub.add_parser("import", help="Import one CSV file (its header says which kind).")
        load.add_argument("file")
        load.add_argument("--kind", choices=["agencies", "areas", "responders"], help="Default: from the header.")

    def handle(self, *args, action: str, **options):
        if action == "export":
            folder = Path(options["dir"])
            folder.mkdir(parents=True, exist_ok=True)
            for kind, export in directory.EXPORTS.items():
                # utf-8-sig: spreadsheets then open the Thai names correctly.
                (folder / f"{kind}.csv").write_text(export(), encoding="utf-8-sig")
                self.stdout.write(f"Wrote {folder / f'{kind}.csv'}")
            return
        try:
            text = Path(options["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {options['file']} as UTF-8 CSV: {exc}") from exc
        try:
            result = directory.import_csv(text, options["kind"])
        except directory.DirectoryImportError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(str(exc)) from exc
        for line in directory.summary(result):
            self.stdout.write(line)
