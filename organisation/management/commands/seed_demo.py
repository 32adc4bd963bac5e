from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import registry
from organisation.demo import DEMO_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = (
        "Load the demo kommun, its people and accounts. Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        # The demo people share a published password and one of them is a superuser:
        # never in a deployment, only where the app runs in development mode.
        if not (settings.DEBUG or settings.KANALKOLL_DEV):
            raise CommandError(
                "seed_demo loads people with the public demo password (and a superuser), "
                "so it runs only in development mode: set KANALKOLL_DEV=1 or DEBUG=1 "
                "(make run does). Refused under production settings."
            )
        now = timezone.now()  # the one clock reading: every seeder writes this time
        for seed in registry.demo_seeders:  # organisation first, disclosure last
            seed(now=now, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/logga-in/ as:")
        )
        for username, *_rest in PEOPLE[:7]:
            self.stdout.write(f"  {username:<28} password: {DEMO_PASSWORD}")
