from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dashboard import rollups, stats

DEFAULT_DAYS = 366  # the longest range the dashboard offers (dashboard.views.MAX_CUSTOM_DAYS)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's rollup rows of a range of Bangkok days (the worker keeps them current by "
        "itself; run this once after installing, after restoring a backup, or to repair). Default: the last "
        f"{DEFAULT_DAYS} days up to today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="last", help="Last day, YYYY-MM-DD (default: today in Bangkok).")

    def handle(self, *args, first: str | None = None, last: str | None = None, **options):
        last_day = _day(last) if last else stats.bangkok_today()
        first_day = _day(first) if first else last_day - timedelta(days=DEFAULT_DAYS - 1)
        if first_day > last_day:
            raise CommandError(_("--from is after --to."))
        n = rollups.rebuild_range(first_day, last_day)
        self.stdout.write(
            _("Rebuilt the dashboard rollups of %(n)d days, %(first)s to %(last)s.")
            % {"n": n, "first": first_day.isoformat(), "last": last_day.isoformat()}
        )
