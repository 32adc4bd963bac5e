from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext

from core import registry
from notifications.demo import settle_history
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
        # The summary is for the people who try the demo: in the interface's language.
        with translation.override(settings.LANGUAGE_CODE):
            for seed in registry.demo_seeders:  # organisation first, disclosure last
                seed(now=now, stdout=self.stdout)
            # Not one e-mail per role given in 2024 on the first `make run`.
            settle_history(now=now)
            self.stdout.write(
                self.style.SUCCESS(
                    gettext("Demodata klara. Logga in på %(url)s som:")
                    % {"url": "http://127.0.0.1:8000/logga-in/"}
                )
            )
            for username, *_rest in PEOPLE[:7]:
                self.stdout.write(
                    f"  {username:<28} "
                    + gettext("lösenord: %(password)s") % {"password": DEMO_PASSWORD}
                )
            self.stdout.write(
                gettext("Alla %(count)d demoanvändare står i README, med roll och enhet.")
                % {"count": len(PEOPLE)}
            )
