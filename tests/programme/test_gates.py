"""The compliance gates before the annual plan (issue 10), replayed through the HTTP API as a district officer and a
community organiser would: every bad path is refused with the condition code and its clause; the honest path (a
community ballot on a complete roll, matter 7, the current version consulted and published for the minimum period,
funding within the rules) reaches 实施."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gaizao.programme import services
from gaizao.programme.models import ProjectState
from gaizao.registry.models import Building, Owner, Unit
from tests.stewardship.helpers import agree_management_plan

from .conftest import ITEMS, answer_all, balanced_funding, make_community

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def voting_community(
    divs, *, code="SC-V1", name="清波新村", buildings=2, stairs=2, floors=3, per_floor=2, **extra
):
    """A community with a complete roll: every unit with its registered area and owner; households and building
    count recorded to match (unless ``extra`` overrides them)."""
    division = divs["330102001051"]
    units = buildings * stairs * floors * per_floor
    extra.setdefault("households", units)
    extra.setdefault("building_count", buildings)
    community = make_community(code, name, division, **extra)
    community.buildings.all().delete()
    n = 0
    for b in range(1, buildings + 1):
        building = Building.objects.create(community=community, code=str(b), stairwells=stairs, floors=floors)
        for s in range(1, stairs + 1):
            for f in range(1, floors + 1):
                for u in range(1, per_floor + 1):
                    n += 1
                    owner = Owner.objects.create(
                        division=division, name=f"业主{code}-{n}", phone=f"138{n:08d}"
                    )
                    Unit.objects.create(
                        building=building,
                        stairwell=str(s),
                        number=f"{f}0{u}",
                        owner=owner,
                        area_registered_m2=Decimal("60.00") + n,
                    )
    return community


def stairwell(community, building="1", stair="1") -> dict[str, Any]:
    return {"building_id": community.buildings.get(code=building).pk, "stairwell": stair}


def vote_all(organiser, ballot_id: int, choice: str = "yes") -> dict[str, Any]:
    """Open the ballot, enter a door-to-door paper for every owner on the roll, close it (all over HTTP)."""
    c = client_for(organiser)
    r = c.post(
        f"{API}/participation/ballots/{ballot_id}/transition",
        {"action": "open"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    roll = c.get(f"{API}/participation/ballots/{ballot_id}/roll").json()
    owners = sorted({row["owner_id"] for row in roll if row.get("owner_id")})
    for owner_id in owners:
        r = c.post(
            f"{API}/participation/ballots/{ballot_id}/entries",
            {
                "owner_id": owner_id,
                "choice": choice,
                "channel": "door_to_door",
                "witness_name": "见证人",
                "scan": SimpleUploadedFile(f"door-{owner_id}.png", b"\x89PNG\r\n\x1a\n signed", "image/png"),
            },
        )
        assert r.status_code == 201, r.content
    r = c.post(
        f"{API}/participation/ballots/{ballot_id}/transition",
        {"action": "close"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return r.json()


def project_ballot(organiser, project, community, purpose: str, **extra) -> Any:
    return client_for(organiser).post(
        f"{API}/programme/projects/{project.pk}/ballots",
        {"community_id": community.pk, "purpose": purpose, **extra},
        content_type="application/json",
    )


def new_project(officer, community) -> Any:
    sc = client_for(officer)
    r = sc.post(
        f"{API}/programme/projects", {"community_ids": [community.pk]}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert (
        sc.post(
            f"{API}/programme/projects/{pid}/move", {"to": "planning"}, content_type="application/json"
        ).status_code
        == 200
    )
    from gaizao.programme.models import Project

    return Project.objects.get(pk=pid)


def save_plan(officer, project, community, *, mode="comprehensive_improvement", items=ITEMS, funding=None):
    r = client_for(officer).post(
        f"{API}/programme/projects/{project.pk}/plan",
        {
            "mode": mode,
            "delivery_mode": "epc",
            "items": items,
            "funding": funding or balanced_funding(),
            "elevator_stairwells": [stairwell(community)],
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    return r.json()


def consult_and_publish(officer, project, *, published_at) -> None:
    sc = client_for(officer)
    assert sc.post(f"{API}/programme/projects/{project.pk}/plan/finalise").status_code == 200
    consultation = services.consultation_start(actor=officer, project=project)
    answer_all(consultation)
    services.consultation_complete(actor=officer, consultation=consultation)
    services.publication_start(actor=officer, project=project, days=7, now=published_at)


def move(officer, project) -> Any:
    return client_for(officer).post(
        f"{API}/programme/projects/{project.pk}/move", {"to": "implementing"}, content_type="application/json"
    )


def passed_votes(organiser, project, community) -> None:
    for purpose in ("renovation_consent", "plan_approval"):
        r = project_ballot(organiser, project, community, purpose)
        assert r.status_code == 201, r.content
        assert vote_all(organiser, r.json()["ballot_id"])["approved"] is True
    c = client_for(organiser)
    r = c.post(
        f"{API}/participation/ballots",
        {
            "community_id": community.pk,
            "purpose": "elevator",
            "question": "1幢1单元是否同意加装电梯？",
            "scope_kind": "stairwell",
            **stairwell(community),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert vote_all(organiser, r.json()["id"])["approved"] is True


@pytest.fixture
def world(accounts, divs, rates):
    return {
        "officer": accounts["shangcheng"],
        "organiser": accounts["qingbomen"],
        "community": voting_community(divs),
        "past": timezone.now() - dt.timedelta(days=8),
    }


def test_honest_path_reaches_implementing(world):
    officer, organiser, community = world["officer"], world["organiser"], world["community"]
    project = new_project(officer, community)
    save_plan(officer, project, community)
    consult_and_publish(officer, project, published_at=world["past"])
    passed_votes(organiser, project, community)
    agree_management_plan(project, officer)
    conditions = client_for(officer).get(f"{API}/programme/projects/{project.pk}/conditions").json()
    assert all(c["met"] for c in conditions), [c for c in conditions if not c["met"]]
    approval = next(c for c in conditions if c["code"] == "vote.plan_approval")
    assert approval["plan_version"] == 1 and "认可第1版" in approval["message"]
    assert {c["code"] for c in conditions} >= {"vote.elevator", "funding.eligible", "publication.finished"}
    r = move(officer, project)
    assert r.status_code == 200, r.content
    project.refresh_from_db()
    assert project.state == ProjectState.IMPLEMENTING


def test_stairwell_consent_is_refused_and_never_counts(world):
    r = project_ballot(
        world["organiser"],
        new_project(world["officer"], world["community"]),
        world["community"],
        "renovation_consent",
        scope_kind="stairwell",
        **stairwell(world["community"]),
    )
    assert r.status_code == 400
    assert r.json()["code"] == "vote.scope_not_community" and "四(三)" in r.json()["message"]
    # nor can a consent ballot be created outside a project
    r = client_for(world["organiser"]).post(
        f"{API}/participation/ballots",
        {"community_id": world["community"].pk, "purpose": "renovation_consent", "question": "同意改造？"},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "vote.project_required"


def test_plan_approval_with_a_lower_matter_is_refused(world):
    project = new_project(world["officer"], world["community"])
    save_plan(world["officer"], project, world["community"])
    r = project_ballot(world["organiser"], project, world["community"], "plan_approval", matter=9)
    assert r.status_code == 400
    body = r.json()
    assert (
        body["code"] == "vote.matter_too_low"
        and "民法典 第278条" in body["message"]
        and "四(三)" in body["message"]
    )
    # a higher (equal-threshold) matter may be chosen
    r = project_ballot(world["organiser"], project, world["community"], "plan_approval", matter=8)
    assert r.status_code == 201


def test_roll_short_of_the_recorded_households_is_refused_with_numbers(accounts, divs, rates):
    community = voting_community(divs, code="SC-V2", name="短名册小区", households=312, building_count=10)
    project = new_project(accounts["shangcheng"], community)
    r = project_ballot(accounts["qingbomen"], project, community, "renovation_consent")
    assert r.status_code == 201
    r = client_for(accounts["qingbomen"]).post(
        f"{API}/participation/ballots/{r.json()['ballot_id']}/transition",
        {"action": "open"},
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "roll.incomplete"
    assert "24 个专有部分，登记户数 312 户" in body["message"] and "登记楼栋数 10 幢" in body["message"]
    assert "units" in body["message"] and "法释〔2009〕7号" in body["message"]


def test_new_version_needs_new_plan_approval_consultation_and_publication(world):
    officer, organiser, community = world["officer"], world["organiser"], world["community"]
    project = new_project(officer, community)
    save_plan(officer, project, community)
    consult_and_publish(officer, project, published_at=world["past"])
    passed_votes(organiser, project, community)
    agree_management_plan(project, officer)
    sc = client_for(officer)
    assert (
        sc.post(
            f"{API}/programme/projects/{project.pk}/plan/reopen", {}, content_type="application/json"
        ).status_code
        == 200
    )
    items = [*ITEMS[:1], {"item_id": "elevator_retrofit", "quantity": "10"}, *ITEMS[2:]]
    estimate = Decimal("3810000.00") + 8 * Decimal("600000")
    save_plan(
        officer,
        project,
        community,
        mode="demolition_rebuilding",
        items=items,
        funding=balanced_funding(estimate),
    )
    assert sc.post(f"{API}/programme/projects/{project.pk}/plan/finalise").status_code == 200
    r = move(officer, project)
    assert r.status_code == 409
    missing = {m["code"]: m for m in r.json()["missing"]}
    assert set(missing) == {"vote.plan_approval", "consultation.completed", "publication.finished"}
    assert "认可的是第1版" in missing["vote.plan_approval"]["message"]
    assert (
        missing["vote.plan_approval"]["plan_version"] == 1
        and "四(三)" in missing["vote.plan_approval"]["clause"]
    )
    assert "审议的是第1版" in missing["consultation.completed"]["message"]


def test_funding_lines_outside_the_rules_are_refused_with_their_clauses(world, divs):
    officer, community = world["officer"], world["community"]
    project = new_project(officer, community)
    # the rule gives 1,155,000.00 yuan here; a line of 1,400,000 is refused
    funding = balanced_funding()
    funding["municipal_subsidy"] = "1400000"
    funding["district_funds"] = str(Decimal(funding["district_funds"]) - 400000)
    save_plan(officer, project, community, funding=funding)
    r = client_for(officer).post(f"{API}/programme/projects/{project.pk}/plan/finalise")
    assert r.status_code == 400
    assert r.json()["code"] == "funding.subsidy_exceeds_rule" and "三(三)2" in r.json()["message"]
    assert [m["code"] for m in r.json()["missing"]] == ["funding.subsidy_exceeds_rule"]
    # a provident-fund loan and the original developer for a 1995 综合整治 plan
    funding = balanced_funding()
    funding["district_funds"] = str(Decimal(funding["district_funds"]) - 300000)
    funding["provident_fund_loan"] = "200000"
    funding["original_developer"] = "50000"
    funding["performance_award"] = "50000"
    save_plan(officer, project, community, funding=funding)
    r = client_for(officer).post(f"{API}/programme/projects/{project.pk}/plan/finalise")
    assert r.status_code == 400
    codes = {m["code"]: m["clause"] for m in r.json()["missing"]}
    assert codes == {
        "funding.source_not_in_mode": "杭政办函〔2022〕10号 三(三)4",
        "funding.original_developer_not_eligible": "杭政办函〔2022〕10号 三(三)2",
        "funding.not_a_project_source": "杭政办函〔2022〕10号 三(三)2",
    }


def test_missing_stairwell_ballot_is_named(world):
    officer, organiser, community = world["officer"], world["organiser"], world["community"]
    project = new_project(officer, community)
    save_plan(officer, project, community)
    consult_and_publish(officer, project, published_at=world["past"])
    for purpose in ("renovation_consent", "plan_approval"):
        vote_all(organiser, project_ballot(organiser, project, community, purpose).json()["ballot_id"])
    agree_management_plan(project, officer)
    r = move(officer, project)
    assert r.status_code == 409
    (missing,) = r.json()["missing"]
    assert missing["code"] == "vote.elevator" and missing["stairwell"] == "清波新村 1幢1单元"
    assert "四(三)" in missing["clause"]


def test_short_publication_is_refused(world):
    officer, community = world["officer"], world["community"]
    project = new_project(officer, community)
    save_plan(officer, project, community)
    sc = client_for(officer)
    assert sc.post(f"{API}/programme/projects/{project.pk}/plan/finalise").status_code == 200
    r = sc.post(
        f"{API}/programme/projects/{project.pk}/publications", {"days": 3}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["code"] == "publication.too_short" and "四(三)" in r.json()["message"]


def test_renovation_unit_subsidy_parts_add_up(accounts, divs, rates):
    a = make_community("SC-U1", "甲小区", divs["330102001051"], area="10000")
    b = make_community("SC-U2", "乙小区", divs["330102001051"], area="20000")
    c = make_community("SC-U3", "丙小区", divs["330102001051"], area="3333")
    officer = accounts["shangcheng"]
    project = services.project_create(actor=officer, community_ids=[a.pk, b.pk, c.pk])
    version = services.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        items=[{"item_id": "facade_repair", "quantity": "1001"}],
        funding={},
    )
    parts = version.subsidy["parts"]
    assert sum(Decimal(p["estimate_part"]) for p in parts) == version.estimate
    assert sum(Decimal(p["amount"]) for p in parts) == version.subsidy_amount
    assert version.subsidy["transitional"]["code"] == "subsidy.transitional_estimate"


def test_conditions_are_one_list_in_the_api_and_the_word_document(world):
    import io

    from docx import Document

    officer, community = world["officer"], world["community"]
    project = new_project(officer, community)
    save_plan(officer, project, community)
    sc = client_for(officer)
    api = sc.get(f"{API}/programme/projects/{project.pk}/conditions").json()
    r = sc.get(f"{API}/programme/projects/{project.pk}/conditions.docx")
    assert r.status_code == 200
    table = Document(io.BytesIO(r.content)).tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert [(row[0], row[3]) for row in rows] == [(c["code"], c["clause"]) for c in api]
    assert [row[2] for row in rows] == [c["message"].split("/ ", 1)[0].strip() for c in api]
    page = sc.get(f"/programme/projects/{project.pk}/").content.decode()
    assert all(f'data-code="{c["code"]}"' in page for c in api)
    assert 'data-stairwell="清波新村 1幢1单元"' in page
