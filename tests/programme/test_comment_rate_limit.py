"""Anonymous comments on a publication are limited per client address (the logins' atomic counter), on the
public page and through the API."""

from __future__ import annotations

from django.test import Client

from gaizao.programme.models import PublicationComment

from .conftest import ready_project

API = "/api/v1/programme"


def test_anonymous_comments_are_limited_per_client_address(
    accounts, communities, rates, votes, now, settings
):
    settings.ANONYMOUS_WRITES_PER_CLIENT = 3
    project = ready_project(
        actor=accounts["shangcheng"], community=communities["qingbo"], votes=votes, now=now
    )
    publication = project.publications.get()
    page = f"/programme/public/{publication.public_id}/"
    comment = {"name": "王小明", "contact": "13812345678", "body": "请保留大樟树"}
    anon = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert anon.post(page, comment).status_code == 302
    r = anon.post(f"{API}/public/publications/{publication.public_id}/comments", comment, "application/json")
    assert r.status_code == 201
    assert PublicationComment.objects.count() == 3
    # the fourth from the same address is refused on the page and through the API, and nothing is stored
    r = anon.post(page, comment, follow=True)
    assert "意见提交过于频繁" in r.content.decode()
    r = anon.post(f"{API}/public/publications/{publication.public_id}/comments", comment, "application/json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert PublicationComment.objects.count() == 3
    # another address still may comment
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert other.post(page, comment).status_code == 302
    assert PublicationComment.objects.count() == 4
