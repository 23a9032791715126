from __future__ import annotations

import pytest
from django.test import Client

from gaizao.programme import services

from .conftest import ITEMS, balanced_funding

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_render_for_the_district(accounts, communities, rates, votes):
    officer = accounts["shangcheng"]
    sc = client_for(officer)
    r = sc.post("/programme/projects/new/", {"communities": [communities["qingbo"].pk]})
    assert r.status_code == 302
    project = officer and __import__("gaizao.programme.models", fromlist=["Project"]).Project.objects.get()
    assert "清波小区" in sc.get(f"/programme/projects/{project.pk}/").content.decode()
    r = sc.post("/programme/projects/new/", {"communities": [communities["modern"].pk]})
    assert r.status_code == 200 and "不纳入" in r.content.decode()
    sc.post(f"/programme/projects/{project.pk}/move/", {"to": "planning"})
    page = sc.get(f"/programme/projects/{project.pk}/plan/").content.decode()
    assert 'name="item"' in page and "资金筹措" in page
    data = {
        "mode": "comprehensive_improvement",
        "delivery_mode": "epc",
        "item": [i["item_id"] for i in ITEMS],
    }
    for i in ITEMS:
        data[f"qty_{i['item_id']}"] = i["quantity"]
    for k, v in balanced_funding().items():
        data[f"fund_{k}"] = v
    r = sc.post(f"/programme/projects/{project.pk}/plan/", data)
    assert r.status_code == 302
    page = sc.get(f"/programme/projects/{project.pk}/plan/").content.decode()
    assert "3810000.00" in page and "1155000.00" in page and 'data-covered="1"' in page
    sc.post(f"/programme/projects/{project.pk}/plan/finalise/")
    r = sc.post(f"/programme/projects/{project.pk}/consultation/")
    assert r.status_code == 302
    cid = project.consultations.get().pk
    page = client_for(accounts["water"]).get(f"/programme/consultations/{cid}/").content.decode()
    assert page.count("<form") >= 1 and 'name="department" value="water"' in page
    assert 'value="gas"' not in page
    assert '<option value="" selected>' in page and '<select name="decision" required>' in page
    assert client_for(accounts["xihu"]).get(f"/programme/consultations/{cid}/").status_code == 404
    assert sc.get(f"/programme/consultations/{cid}/document.docx").status_code == 200
    district_page = sc.get(f"/programme/consultations/{cid}/").content.decode()
    assert 'name="decision"' not in district_page, "the district does not type departments' opinions"
    assert 'id="pending-departments"' in district_page and "未答复的部门" in district_page
    assert 'id="remind-all"' in district_page and 'id="complete-consultation"' not in district_page
    r = sc.post(f"/programme/consultations/{cid}/complete/")
    assert r.status_code == 302
    assert "尚有部门未答复" in sc.get(f"/programme/consultations/{cid}/").content.decode()
    for name in ("/programme/", "/programme/annual/", "/programme/unit-rates/", "/programme/consultations/"):
        assert sc.get(name).status_code == 200, name
    assert client_for(accounts["city"]).get("/programme/city/").status_code == 200
    assert sc.get("/programme/city/").status_code == 404


def test_public_page_needs_no_login_and_masks_commenters(accounts, communities, rates, votes, now):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding=balanced_funding(),
    )
    services.plan_finalise(actor=officer, project=project)
    publication = services.publication_start(actor=officer, project=project, days=7)
    anon = Client()
    assert publication.project.name in anon.get("/programme/public/").content.decode()
    url = f"/programme/public/{publication.public_id}/"
    r = anon.post(url, {"name": "王小明", "contact": "13812345678", "body": "加装电梯"})
    assert r.status_code == 302
    page = anon.get(url).content.decode()
    assert "王**" in page and "138****5678" in page and "王小明" not in page and "加装电梯" in page
    staff = client_for(accounts["qingbo"]).get(f"/programme/publications/{publication.pk}/").content.decode()
    assert "王小明" in staff
    assert client_for(accounts["xihu"]).get(f"/programme/publications/{publication.pk}/").status_code == 404


def test_shangcheng_officer_gets_404_on_a_xihu_project(accounts, communities):
    project = services.project_create(actor=accounts["xihu"], community_ids=[communities["xihu"].pk])
    sc = client_for(accounts["shangcheng"])
    for url in (
        f"/programme/projects/{project.pk}/",
        f"/programme/projects/{project.pk}/plan/",
        f"/api/v1/programme/projects/{project.pk}",
        f"/history/programme.project/{project.pk}/",
    ):
        assert sc.get(url).status_code == 404, url
    assert sc.post(f"/programme/projects/{project.pk}/move/", {"to": "planning"}).status_code == 404
    project.refresh_from_db()
    assert project.state == "reserve"
    assert client_for(accounts["xihu"]).get(f"/programme/projects/{project.pk}/").status_code == 200


def test_departments_answer_from_their_own_accounts_and_the_district_reminds(
    accounts, communities, rates, now
):
    from gaizao.accounts.models import Notice

    from .conftest import answer_all

    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding=balanced_funding(),
        now=now,
    )
    services.plan_finalise(actor=officer, project=project)
    consultation = services.consultation_start(actor=officer, project=project)
    url = f"/programme/consultations/{consultation.pk}/"
    sc = client_for(officer)
    r = sc.post(url, {"department": "finance", "decision": "agree"})
    assert r.status_code == 403
    finance = client_for(accounts["caizheng"])
    assert finance.get("/programme/consultations/").status_code == 200
    page = finance.get(url).content.decode()
    assert 'name="department" value="finance"' in page and 'value="civil_affairs"' not in page
    r = finance.post(url, {"department": "finance", "decision": ""}, follow=True)
    assert "请选择同意、有条件同意或不同意" in r.content.decode()
    r = finance.post(url, {"department": "finance", "decision": "agree_conditions", "conditions": "分期拨付"})
    assert r.status_code == 302
    opinion = consultation.opinions.get(department="finance")
    assert opinion.decision == "agree_conditions" and opinion.responded_by == accounts["caizheng"]
    # the district reminds one department, then every one that has not answered
    assert finance.post(f"{url}remind/").status_code == 403
    r = sc.post(f"{url}remind/", {"department": "civil_affairs"}, follow=True)
    assert "已提醒：民政（1 个账号）" in r.content.decode()
    minzheng = client_for(accounts["minzheng"])
    listing = minzheng.get("/programme/consultations/").content.decode()
    assert 'id="consultation-reminders"' in listing and project.code in listing
    r = sc.post(f"{url}remind/", follow=True)
    assert "已提醒" in r.content.decode()
    assert Notice.objects.filter(kind="consultation_reminder").count() == 1 + 10  # 民政 reminded twice
    r = sc.post(f"{url}remind/", {"department": "finance"}, follow=True)
    assert "未受邀或已答复" in r.content.decode()
    # every department answers from its own account; then the district may complete
    consultation.opinions.filter(department="finance").update(decision="pending")
    answer_all(consultation)
    page = sc.get(url).content.decode()
    assert 'id="complete-consultation"' in page and 'id="remind-all"' not in page
    assert sc.post(f"{url}complete/").status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == "completed"


def test_plan_editor_live_totals_preview_what_saving_computes(accounts, communities, rates, now):
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[communities["qingbo"].pk])
    services.project_move(actor=officer, project=project, to="planning")
    sc = client_for(officer)
    page = sc.get(f"/programme/projects/{project.pk}/plan/").content.decode()
    assert 'id="plan-totals"' in page and "programme/plan_editor.js" in page and "<script>" not in page
    data = {"item": [i["item_id"] for i in ITEMS]}
    for i in ITEMS:
        data[f"qty_{i['item_id']}"] = i["quantity"]
    data["fund_municipal_subsidy"] = "1000000"
    r = sc.post(f"/programme/projects/{project.pk}/plan/preview/", data)
    assert r.status_code == 200
    preview = r.json()
    assert preview["estimate"] == "3810000.00" and preview["funding_total"] == "1000000.00"
    assert preview["balance"] == "2810000.00" and preview["subsidy_amount"] == "1155000.00"
    assert not project.plan.versions.exists(), "a preview saves nothing"
    version = services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=ITEMS,
        funding={"municipal_subsidy": "1000000"},
        elevator_stairwells=[],
    )
    assert (
        str(version.estimate) == preview["estimate"]
        and str(version.subsidy_amount) == preview["subsidy_amount"]
    )
    r = sc.post(f"/programme/projects/{project.pk}/plan/preview/", {"item": ["roads"], "qty_roads": "-1"})
    assert r.status_code == 400 and r.json()["field"] == "items.roads.quantity"
    assert (
        client_for(accounts["water"]).post(f"/programme/projects/{project.pk}/plan/preview/").status_code
        == 404
    )
    assert (
        client_for(accounts["qingbomen"]).post(f"/programme/projects/{project.pk}/plan/preview/").status_code
        == 403
    )


def test_the_new_project_button_shows_exactly_to_those_who_may_create(accounts, communities):
    """The list page's button, the new-project page and the service ask one question (``can_create_project``)."""
    from gaizao.programme.services import can_create_project

    for username in ("city", "shangcheng", "qingbo", "qingbomen", "ndrc"):
        user = accounts[username]
        client = client_for(user)
        page = client.get("/programme/")
        may = can_create_project(user)
        assert may == (username in ("city", "shangcheng", "qingbo")), username
        if page.status_code == 200:
            assert ('id="new-project"' in page.content.decode()) == may, username
        else:
            assert not may
        assert (client.get("/programme/projects/new/").status_code == 200) == may, username


def test_the_project_list_searches_and_filters_inside_the_scope(accounts, communities):
    """Words match the code, the name or a community; the pool and district filters narrow; nothing leaves scope."""
    from gaizao.programme import services

    target = services.project_create(actor=accounts["shangcheng"], community_ids=[communities["qingbo"].pk])
    other = services.project_create(actor=accounts["xihu"], community_ids=[communities["xihu"].pk])
    client = client_for(accounts["city"])
    community = target.communities.first()
    for q in (target.code, community.name):
        html = client.get("/programme/", {"q": q}).content.decode()
        assert f"/programme/projects/{target.pk}/" in html, q
        assert 'id="project-matches"' in html
    html = client.get("/programme/", {"q": "没有这样的项目"}).content.decode()
    assert "/programme/projects/" not in html.split('id="project-matches"')[1]
    html = client.get("/programme/", {"district": target.district.code}).content.decode()
    listed = html.split('id="project-matches"')[1]
    assert f"/programme/projects/{target.pk}/" in listed and f"/programme/projects/{other.pk}/" not in listed
    # an unknown pool or district is ignored, not an error; a district officer never sees another district's
    assert client.get("/programme/", {"state": "nope", "district": "999"}).status_code == 200
    officer = client_for(accounts["shangcheng"])
    listed = officer.get("/programme/", {"q": other.code}).content.decode().split('id="project-matches"')[1]
    assert f"/programme/projects/{other.pk}/" not in listed
