from __future__ import annotations

import pytest
from django.urls import reverse

from gaizao.audit.models import AuditEvent
from gaizao.registry.models import Community
from gaizao.registry.services import communities_rescreen

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(divisions, qingbomen, xihu_street):
    a = Community.objects.create(
        code="A",
        name="清波甲小区",
        division=qingbomen,
        built_year=1990,
        lon=120.165,
        lat=30.245,
        is_sample=True,
    )
    c = Community.objects.create(code="C", name="西湖丙小区", division=xihu_street, built_year=2010)
    communities_rescreen(communities=Community.objects.all())
    return {"a": a, "c": c}


def _login(client, accounts, name):
    client.force_login(accounts[name])
    return client


def test_list_search_and_sample_badge(client, accounts, world):
    _login(client, accounts, "shangcheng")
    r = client.get(reverse("registry:list"), {"q": "清波"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "清波甲小区" in html and "西湖丙小区" not in html
    assert "示例数据" in html
    assert "重点改造" in html


def test_detail_shows_reasons_with_clause(client, accounts, world):
    _login(client, accounts, "shangcheng")
    r = client.get(reverse("registry:detail", args=[world["a"].pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-code="scope.priority"' in html
    assert "杭政办函〔2022〕10号" in html
    assert f"/history/registry.community/{world['a'].pk}/" in html
    assert 'name="reason"' in html  # writer in scope sees the edit form


def test_detail_out_of_scope_is_404(client, accounts, world):
    _login(client, accounts, "shangcheng")
    assert client.get(reverse("registry:detail", args=[world["c"].pk])).status_code == 404
    assert client.get(f"/history/registry.community/{world['c'].pk}/").status_code == 404


def test_reader_without_write_sees_no_form(client, accounts, world):
    _login(client, accounts, "ndrc")
    r = client.get(reverse("registry:detail", args=[world["a"].pk]))
    assert r.status_code == 200 and 'name="reason"' not in r.content.decode()
    assert client.post(reverse("registry:detail", args=[world["a"].pk]), {"reason": "x"}).status_code == 404


def test_edit_form_updates_audits_and_rescreens(client, accounts, world):
    _login(client, accounts, "qingbomen")
    url = reverse("registry:detail", args=[world["a"].pk])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    data.update(built_year="2008", reason="核对档案")
    r = client.post(url, data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    world["a"].refresh_from_db()
    assert world["a"].built_year == 2008
    assert world["a"].scope_status == "out_of_scope"
    event = AuditEvent.objects.get(action="update", object_id=str(world["a"].pk))
    assert event.changes["built_year"] == [1990, 2008]
    assert event.reason == "核对档案"


def test_edit_form_requires_reason(client, accounts, world):
    _login(client, accounts, "qingbomen")
    url = reverse("registry:detail", args=[world["a"].pk])
    r = client.post(url, {"built_year": "2008", "name": "清波甲小区"})
    assert r.status_code == 200
    assert "reason" in r.context["form"].errors


def test_pages_render(client, accounts, world):
    _login(client, accounts, "city")
    for name in ("registry:map", "registry:completeness", "registry:screening"):
        r = client.get(reverse(name))
        assert r.status_code == 200, name
    html = client.get(reverse("registry:screening")).content.decode()
    assert 'data-testid="rescreen"' in html
    assert "上城区" in html


def test_resident_gets_404(client, accounts, world):
    _login(client, accounts, "resident")
    assert client.get(reverse("registry:list")).status_code == 404


def test_rescreen_job(client, accounts, world, django_capture_on_commit_callbacks):
    Community.objects.filter(pk=world["a"].pk).update(scope_status="unscreened", scope_reasons=[])
    _login(client, accounts, "shangcheng")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("registry:rescreen"))
    assert r.status_code == 302 and "/jobs/" in r["Location"]
    from gaizao.jobs.models import Job

    job = Job.objects.get()
    assert job.status == "succeeded", job.error
    assert job.result["counts"]["priority"] == 1 and job.result["total"] == 1
    assert Community.objects.get(pk=world["a"].pk).scope_status == "priority"
    event = AuditEvent.objects.get(action="screen", object_id=str(world["a"].pk))
    assert event.changes == {"scope_status": ["unscreened", "priority"]}
    assert event.actor == accounts["shangcheng"]
    # A street implementer may not start it.
    _login(client, accounts, "qingbo")
    assert client.post(reverse("registry:rescreen")).status_code == 404


def test_list_links_export_with_the_same_filters(client, accounts, world):
    export = reverse("registry:export")
    _login(client, accounts, "shangcheng")
    html = client.get(
        reverse("registry:list"), {"q": "清波", "status": "priority", "page": "1"}
    ).content.decode()
    assert f'href="{export}?q=%E6%B8%85%E6%B3%A2&amp;status=priority"' in html


def test_pages_in_english(client, accounts, world):
    _login(client, accounts, "shangcheng")
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("registry:detail", args=[world["a"].pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Scope screening" in html and "Priority: built by" in html
