from django.core.management.base import BaseCommand

from core import registry
from organisation.demo import DEMO_PASSWORD, PEOPLE


class Command(BaseCommand):
    help = (
        "Load the demo kommun, its people and accounts. Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        for seed in registry.demo_seeders:  # organisation first, archive last
            seed(stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/logga-in/ as:")
        )
        for username, *_rest in PEOPLE[:7]:
            self.stdout.write(f"  {username:<28} password: {DEMO_PASSWORD}")
