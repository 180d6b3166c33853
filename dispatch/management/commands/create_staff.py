from django.core.management.base import BaseCommand, CommandError

from dispatch.staff import StaffError, ensure_staff
from ess.models import Role


class Command(BaseCommand):
    help = "Create or update a member of staff (operator, supervisor, responder or admin)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        parser.add_argument("--password", help="set (or reset) the password")
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            dest="provinces",
            metavar="CODE",
            help="DOPA province code this person covers; repeat for several; none means national",
        )
        parser.add_argument("--agency", metavar="CODE", help="the agency a responder belongs to")
        parser.add_argument(
            "--national",
            action="store_true",
            help="an operator or supervisor who sees every province (instead of --province)",
        )
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, **options):
        try:
            result = ensure_staff(
                options["username"],
                role=options["role"],
                password=options["password"],
                provinces=options["provinces"],
                agency_code=options["agency"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                national=options["national"],
            )
        except StaffError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if result.created else "Updated"
        scope = "national" if options["national"] else ", ".join(options["provinces"]) or "no provinces: sees no case"
        self.stdout.write(self.style.SUCCESS(f"{verb} {options['role']} {options['username']} ({scope})."))
