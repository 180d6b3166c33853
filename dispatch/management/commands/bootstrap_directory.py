from django.core.management.base import BaseCommand

from dispatch import directory


class Command(BaseCommand):
    help = (
        "Create the directory's backbone for all 77 provinces: each province's social development office "
        "(พมจ.; Bangkok: the ministry's Bangkok children and families shelter) and provincial police (Bangkok: "
        "the Metropolitan Police Bureau), each covering its province, and the national 1300 centre covering "
        "every province. Never changes an agency that exists; safe to run again. Real phone numbers and "
        "coordinates come next, with `manage.py directory import agencies.csv`."
    )

    def handle(self, *args, **options):
        result = directory.bootstrap()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.created)} agencies created, {len(result.existing)} already there, "
                f"{result.areas_added} coverage areas added."
            )
        )
