import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Load demo agencies, staff accounts (one per role) and cases in every status. Safe to run twice. "
        "Only with DEBUG=1 or ESS_DEMO=1; new accounts get random passwords, printed once "
        "(ESS_DEMO_PASSWORD sets one password for all new accounts, for scripts)."
    )

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.ESS_DEMO):
            raise CommandError("seed_demo loads demo accounts and cases: it runs only with DEBUG=1 or ESS_DEMO=1.")
        result = seed_demo(password=os.environ.get("ESS_DEMO_PASSWORD") or None)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {result['agencies']} agencies, {result['incidents']} new cases.")
        )
        self.stdout.write("Log in with one of these accounts (username / password / role).")
        self.stdout.write("New passwords are shown only now; an existing account keeps its password.")
        for username, password, role in result["accounts"]:
            self.stdout.write(f"  {username:<14} {password:<22} {role}")
        roles = " and ".join(settings.TWO_FACTOR_REQUIRED_ROLES)
        if roles:
            self.stdout.write(
                f"Accounts of role {roles} set up two-factor at their first login: scan the QR code with an "
                "authenticator app (or type its secret) and keep the recovery codes shown."
            )
