"""The request's clock: TF 2 kap. 16 § asks for a copy "skyndsamt"; JO expects an
answer normally the same day and a few days only for a secrecy review or a large volume
(JO 6813-20, JO 4209-09). Kanalkoll reminds the handler when a request is more than one
working day old and tells the kommunikationschef after three working days
(organisation.workdays: weekends, public holidays, midsommar-, jul- and nyårsafton do
not count). The next reminder's moment is stored on the request (`next_reminder_at`,
indexed), so the sweep with nothing due is one query."""

from django.urls import reverse

from organisation.workdays import add_working_days

# (stage, working days after receipt, notification kind)
STAGES = [
    (0, 1, "disclosure_reminder"),
    (1, 3, "disclosure_escalation"),
]


def request_url(request):
    return reverse("disclosure:detail", args=[request.pk])


def first_reminder(received_at):
    return add_working_days(received_at, STAGES[0][1])


def after(stage, received_at):
    """The moment of the stage after `stage`, or None after the last."""
    following = [s for s in STAGES if s[0] == stage + 1]
    return add_working_days(received_at, following[0][1]) if following else None
