"""The admin speaks Swedish also where a third-party app has no Swedish of its own:
django-axes' sign-in throttling was listed as "Axes" with "Access attempts", "Access
failures" and "Access logs"."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_sign_in_throttling_is_named_in_swedish(client, org):
    client.force_login(org.people.admin)
    html = client.get("/admin/").content.decode()
    assert "Inloggningsspärr" in html
    assert "Misslyckade inloggningar" in html and "Inloggningsloggar" in html
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in html, english
    page = client.get("/admin/axes/accesslog/").content.decode()
    assert "IP-adress" in page and "IP Address" not in page


def test_the_periodic_tasks_filter_is_named_in_swedish(client, org):
    client.force_login(org.people.admin)
    page = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "Task Name" not in page
    assert "På uppgift" in page


def test_the_periodic_task_form_is_in_swedish(client, org):
    client.force_login(org.people.admin)
    page = client.get("/admin/django_celery_beat/periodictask/add/").content.decode()
    for english in ("Schedule to run the task on", "Crontab translation", "Task Name"):
        assert english not in page, english
