from django.core.management.base import BaseCommand, CommandError

from ess import accounts


class Command(BaseCommand):
    help = (
        "Unlock a staff account locked after too many wrong passwords (and, with --reset-two-factor, remove "
        "its authenticator and recovery codes). Recorded as an account security event."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--reset-two-factor", action="store_true", help="also remove the account's two-factor devices"
        )

    def handle(self, *args, username, reset_two_factor, **options):
        event = accounts.unlock_username(username)
        if event is None:
            raise CommandError(f"No account named {username!r} (its failed logins were cleared all the same).")
        self.stdout.write(f"{username} may log in again.")
        if reset_two_factor:
            accounts.reset_two_factor_username(username)
            self.stdout.write(f"{username}'s two-factor was reset: they set up an authenticator at their next login.")
