from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from api.tokens import issue_token, revoke_token
from dispatch.models import Agency
from dispatch.staff import StaffError
from ess.models import Role


class Command(BaseCommand):
    help = "Create an integration API token (the secret is printed once) or revoke one (--revoke)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who uses it, e.g. '191 Chiang Mai CAD'")
        parser.add_argument("--role", help=f"one of: {', '.join(Role.values)}")
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            dest="provinces",
            metavar="CODE",
            help="DOPA province code the token covers; repeat for several; none means national",
        )
        parser.add_argument("--agency", metavar="CODE", help="the agency of a responder token")
        parser.add_argument("--per-minute", type=int, help="its own rate limit (calls per minute)")
        parser.add_argument("--revoke", action="store_true", help="revoke the token of this name instead")

    def handle(self, *args, **options):
        name = options["name"]
        if options["revoke"]:
            token = ApiToken.objects.filter(name=name).select_related("account").first()
            if token is None:
                raise CommandError(f"No API token named {name!r}.")
            revoke_token(token)
            self.stdout.write(self.style.SUCCESS(f"Revoked {name}."))
            return
        if not options["role"]:
            raise CommandError("Give the token's --role.")
        if ApiToken.objects.filter(name=name).exists():
            raise CommandError(f"An API token named {name!r} exists; choose another name or --revoke it.")
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"Unknown agency {options['agency']!r}.")
        try:
            issued = issue_token(
                name,
                role=options["role"],
                provinces=options["provinces"],
                agency=agency,
                rate_limit_per_minute=options["per_minute"],
            )
        except StaffError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Created API token {name!r}. Copy it now; only its hash is kept:")
        # The secret alone on stdout, so a script can capture it: TOKEN=$(manage.py create_api_token …)
        self.stdout.write(issued.secret)
