from __future__ import annotations

import pytest
from django.test import Client

from gaizao.participation import services
from gaizao.participation.demo import load_demo
from gaizao.participation.models import Ballot, BallotStatus, EvaluationSurvey, NeedsSurvey, SupervisionReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(accounts):
    load_demo(lambda s: None)
    load_demo(lambda s: None)  # idempotent
    return Ballot.objects.get(is_sample=True)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_demo_is_idempotent_and_published(demo):
    assert Ballot.objects.filter(is_sample=True).count() == 1
    assert demo.status == BallotStatus.PUBLISHED and demo.result["reasons"]
    assert NeedsSurvey.objects.count() == 2 and SupervisionReport.objects.count() == 2
    assert EvaluationSurvey.objects.count() == 2


def test_pages_render_for_organiser(demo, accounts):
    c = client_for(accounts["qingbomen"])
    survey = NeedsSurvey.objects.filter(status="open").get()
    report = SupervisionReport.objects.first()
    evaluation = EvaluationSurvey.objects.filter(status="open").get()
    for url in [
        "/participation/",
        "/participation/ballots/new/",
        f"/participation/ballots/{demo.pk}/",
        f"/participation/ballots/{demo.pk}/tally/",
        f"/participation/ballots/{demo.pk}/roll/",
        "/participation/needs/new/",
        f"/participation/needs/{survey.pk}/",
        "/participation/reports/",
        f"/participation/reports/{report.pk}/",
        "/participation/evaluations/new/",
        f"/participation/evaluations/{evaluation.pk}/",
    ]:
        assert c.get(url).status_code == 200, url
    assert client_for(accounts["xihu"]).get(f"/participation/ballots/{demo.pk}/").status_code == 404


def test_public_pages_without_login(demo):
    c = Client()
    assert c.get("/participation/public/").status_code == 200
    page = c.get(f"/participation/public/ballots/{demo.pk}/").content.decode()
    assert 'data-chain-ok="true"' in page and "vote.quorum_area" in page
    assert c.get("/participation/public/receipt/?code=AAAA-BBBB").status_code == 200


def test_owner_logs_in_by_code_and_votes_through_pages(demo, accounts, settings):
    settings.DEBUG = True
    organiser = accounts["qingbomen"]
    ballot = services.ballot_create(
        actor=organiser,
        community_id=demo.community_id,
        purpose="renovation_consent",
        project_ref="GZ-TEST",
        question="是否同意综合改造？",
    )
    services.ballot_open(actor=organiser, ballot_id=ballot.pk)
    owner = ballot.roll.exclude(owner=None).exclude(developer_held=True).first().owner
    c = Client()
    c.post("/participation/login/", {"step": "request", "phone": owner.phone})
    page = c.get("/participation/login/").content.decode()
    code = page.split('data-dev-code="')[1][:6]
    response = c.post("/participation/login/", {"step": "verify", "phone": owner.phone, "code": code})
    assert response.status_code == 302
    response = c.post(f"/participation/ballots/{ballot.pk}/vote/", {"choice": "yes"}, follow=True)
    page = response.content.decode()
    receipt = page.split('data-receipt="')[1].split('"')[0]
    status = Client().get(f"/api/v1/participation/public/receipts/{receipt}").json()
    assert status["found"] and not status["counted"] and status["ballot_status"] == "open"


def test_otp_codes_expire_and_are_attempt_limited(demo, accounts, settings):
    settings.DEBUG = True
    owner = demo.roll.exclude(owner=None).exclude(developer_held=True).first().owner
    c = Client()
    r = c.post("/api/v1/participation/otp/request", {"phone": owner.phone}, content_type="application/json")
    code = r.json()["dev_code"]
    from gaizao.participation.models import OneTimeCode

    assert OneTimeCode.objects.get(used_at=None).digest != code
    for _ in range(5):
        r = c.post(
            "/api/v1/participation/otp/verify",
            {"phone": owner.phone, "code": "000000" if code != "000000" else "111111"},
            content_type="application/json",
        )
        assert r.status_code == 400
    r = c.post(
        "/api/v1/participation/otp/verify",
        {"phone": owner.phone, "code": code},
        content_type="application/json",
    )
    assert r.status_code == 400 and "Too many" in r.json()["message"]
    # unknown phones get the same answer (in development, a banner code too), and that code logs nobody in
    r = c.post("/api/v1/participation/otp/request", {"phone": "13000000001"}, content_type="application/json")
    assert r.status_code == 200 and len(r.json()["dev_code"]) == 6
    r = c.post(
        "/api/v1/participation/otp/verify",
        {"phone": "13000000001", "code": r.json()["dev_code"]},
        content_type="application/json",
    )
    assert r.status_code == 400 and "wrong" in r.json()["message"]


def test_api_needs_reports_evaluations(demo, accounts):
    resident = accounts["resident"]
    owner = services.owner_of(resident)
    assert owner is not None
    c = client_for(resident)
    survey = NeedsSurvey.objects.filter(status="open").get()
    r = c.post(
        f"/api/v1/participation/needs-surveys/{survey.pk}/responses",
        {"ranking": survey.item_ids[:3]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    staff = client_for(accounts["qingbo"])
    prio = staff.get(f"/api/v1/participation/needs-priorities?community_id={demo.community_id}").json()
    assert prio and prio[0]["score"] >= prio[-1]["score"]
    from gaizao.participation.selectors import needs_priorities

    assert [p["item_id"] for p in prio] == [i for i, _ in needs_priorities(community_id=demo.community_id)]
    r = c.post(
        "/api/v1/participation/reports",
        {
            "community_id": demo.community_id,
            "category": "quality",
            "description": "墙面开裂",
            "lon": "120.16",
            "lat": "30.24",
        },
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert (
        staff.post(
            f"/api/v1/participation/reports/{rid}/close", {"note": ""}, content_type="application/json"
        ).status_code
        == 409
    )
    assert (
        staff.post(
            f"/api/v1/participation/reports/{rid}/respond",
            {"response": "已安排修补"},
            content_type="application/json",
        ).json()["status"]
        == "responded"
    )
    assert client_for(accounts["xihu"]).get(f"/api/v1/participation/reports/{rid}").status_code == 404
    evaluation = EvaluationSurvey.objects.filter(status="open").get()
    r = c.post(
        f"/api/v1/participation/evaluations/{evaluation.pk}/responses",
        {"scores": {"complete_facilities": 5}},
        content_type="application/json",
    )
    assert r.status_code == 201
    closed = client_for(accounts["qingbomen"]).post(
        f"/api/v1/participation/evaluations/{evaluation.pk}/close"
    )
    assert closed.json()["results"]["responses"] >= 1


def test_new_ballot_offered_exactly_when_a_community_is_writable(world, accounts):
    """The index's one EXISTS answers as the list of writable communities does, for every demo account, and the
    page offers a new ballot exactly then; once the only community is archived nobody may start one."""
    from django.utils import timezone

    from gaizao.participation import selectors

    def check() -> dict[str, bool]:
        out = {}
        for name, user in accounts.items():
            out[name] = selectors.has_writable_community(user)
            assert out[name] == bool(selectors.writable_communities(user)), name
            if name not in ("public", "resident"):
                html = client_for(user).get("/participation/").content.decode()
                assert ('href="/participation/ballots/new/"' in html) == out[name], name
        return out

    writable = check()
    assert writable["shangcheng"] and writable["qingbomen"] and writable["city"]
    assert not writable["xihu"] and not writable["finance"] and not writable["water"]
    type(world.community).objects.filter(pk=world.community.pk).update(archived_at=timezone.now())
    assert not any(check().values())
