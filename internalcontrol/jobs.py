"""The pack's sweep: a queued pack whose task was lost (the broker was down) is
generated here, so `manage.py run_jobs` without a worker makes it too."""

import datetime

from .models import Pack
from .services import generate

LOST_AFTER = datetime.timedelta(minutes=5)


def generate_queued(now):
    made = 0
    queued = Pack.objects.filter(state=Pack.State.QUEUED, requested_at__lte=now - LOST_AFTER)
    for pk in list(queued.values_list("pk", flat=True)[:5]):
        if generate(pk, now=now) is not None:
            made += 1
    return made
