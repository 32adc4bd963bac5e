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
