from django.core.management.base import BaseCommand

from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Load demo agencies, staff accounts (one per role) and cases in every status. Safe to run twice."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {result['agencies']} agencies, {result['incidents']} new cases.")
        )
        self.stdout.write("Log in with one of these accounts (username / password / role):")
        for username, password, role in result["accounts"]:
            self.stdout.write(f"  {username:<14} {password:<22} {role}")
