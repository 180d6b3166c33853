from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from incidents.line import richmenu, setup


class Command(BaseCommand):
    help = (
        "Switch the LINE channel (LINE_CHANNEL_ACCESS_TOKEN) on for ESS: set its webhook URL to "
        "BASE_URL/line/webhook/, run LINE's webhook test call, and install the Thai rich menu as the default "
        "(replacing the one an earlier run installed). Run again after changing the address or the menu."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True, help="ESS's public address, e.g. https://ess.example.go.th")
        parser.add_argument("--no-rich-menu", action="store_true", help="Only set and test the webhook.")
        parser.add_argument(
            "--save-image", metavar="PATH", help="Also write the rich menu's image to PATH (PNG) to look at it."
        )

    def handle(self, *args, base_url: str, no_rich_menu: bool, save_image: str | None, **options):
        if not settings.LINE_CHANNEL_ACCESS_TOKEN or not settings.LINE_CHANNEL_SECRET:
            raise CommandError("Set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN first (the channel's console).")
        if save_image:
            Path(save_image).write_bytes(richmenu.image())
            self.stdout.write(f"Rich menu image written to {save_image}.")
        try:
            setup.set_up_channel(base_url, rich_menu=not no_rich_menu, log=self.stdout.write)
        except setup.SetupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("The LINE channel is set up for ESS."))
