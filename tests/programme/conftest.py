"""A small Hangzhou for the programme tests: six divisions, the demo accounts, screened communities, unit rates,
and ballot outcomes faked at the selector (the gates with real ballots are in ``test_gates.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import User
from gaizao.divisions.models import Division, DivisionLevel
from gaizao.programme import selectors
from gaizao.programme.models import UnitRate

DIVISIONS = [
    ("330100", "杭州市", DivisionLevel.CITY, None),
    ("330102", "上城区", DivisionLevel.DISTRICT, "330100"),
    ("330102001", "清波街道", DivisionLevel.STREET, "330102"),
    ("330102001051", "清波门社区", DivisionLevel.COMMUNITY, "330102001"),
    ("330106", "西湖区", DivisionLevel.DISTRICT, "330100"),
    ("330106002", "北山街道", DivisionLevel.STREET, "330106"),
]

RATES = {
    "rain_sewage_separation": "850",
    "elevator_retrofit": "600000",
    "secondary_water_supply": "300000",
    "facade_repair": "180",
    "parking": "12000",
    "fire_protection": "150000",
    "elderly_care": "4500",
    "property_service": "50000",
    "barrier_free": "8000",
}


def make_divisions() -> dict[str, Division]:
    out: dict[str, Division] = {}
    for code, name, level, parent in DIVISIONS:
        parent_div = out.get(parent) if parent else None
        path = f"{parent_div.path}/{code}" if parent_div else code
        out[code], _ = Division.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent_div, "path": path}
        )
    return out


@pytest.fixture
def divs(db) -> dict[str, Division]:
    return make_divisions()


@pytest.fixture
def accounts(divs) -> dict[str, User]:
    """The demo accounts, with the consultation departments' and utilities' (``zhujian`` … ``tongxin``)."""
    from gaizao.programme.demo import load_department_accounts

    demo_accounts_load()
    load_department_accounts()
    return {u.username: u for u in User.objects.select_related("division")}


def make_community(
    code: str,
    name: str,
    division: Division,
    *,
    status: str = "priority",
    built_year: int = 1995,
    area: str = "20000",
    **extra,
):
    from gaizao.registry.models import Building, Community

    community = Community.objects.create(
        code=code,
        name=name,
        division=division,
        scope_status=status,
        built_year=built_year,
        building_area_m2=Decimal(area),
        building_count=extra.pop("building_count", 8),
        households=extra.pop("households", 320),
        scope_reasons=extra.pop(
            "scope_reasons",
            [
                {
                    "code": "scope.built_by",
                    "clause": "杭政办函〔2022〕10号 二(一)",
                    "message": "2000年底前建成",
                }
            ],
        ),
        **extra,
    )
    Building.objects.create(community=community, code="1", stairwells=2)
    return community


def stairwells_of(community) -> list[dict[str, object]]:
    """The elevator stairwells of a plan: stairwell 1 of the community's first building."""
    return [{"building_id": community.buildings.order_by("code").first().pk, "stairwell": "1"}]


@pytest.fixture
def communities(divs):
    return {
        "qingbo": make_community("SC-001", "清波小区", divs["330102001051"]),
        "qingbo2": make_community(
            "SC-002", "劳动路小区", divs["330102001"], status="may_include", built_year=1998, area="12000"
        ),
        "modern": make_community(
            "SC-003",
            "新城花园",
            divs["330102001"],
            status="out_of_scope",
            built_year=2010,
            scope_reasons=[
                {
                    "code": "scope.built_after",
                    "clause": "杭政办函〔2022〕10号 二(一)",
                    "message": "2000年底后建成",
                }
            ],
        ),
        "xihu": make_community("XH-001", "北山小区", divs["330106002"]),
    }


@pytest.fixture
def rates(divs):
    for item_id, rate in RATES.items():
        UnitRate.objects.create(division=divs["330100"], item_id=item_id, rate=Decimal(rate))
    UnitRate.objects.create(division=divs["330106"], item_id="facade_repair", rate=Decimal("200"))


class Votes:
    """Fake ballot outcomes at the selector: ``votes.pass_(community, "renovation_consent")``. A passed plan approval
    approves the project's current plan version at the time it is read. Real ballots: ``test_gates.py``."""

    def __init__(self) -> None:
        self.results: dict[tuple[int, str], bool] = {}

    def pass_(self, community, *purposes: str) -> None:
        for purpose in purposes or ("renovation_consent", "plan_approval", "elevator"):
            self.results[(community.pk, purpose)] = True

    def fail(self, community, purpose: str) -> None:
        self.results[(community.pk, purpose)] = False

    def __call__(
        self, *, project_id: int, community_id: int, purpose: str
    ) -> list[selectors.ProjectBallotOutcome]:
        from gaizao.programme.models import Plan

        if (community_id, purpose) not in self.results:
            return []
        version = Plan.objects.get(project_id=project_id).current_version
        return [
            selectors.ProjectBallotOutcome(
                ballot_id=1,
                purpose=purpose,
                status="closed",
                closed=True,
                approved=self.results[(community_id, purpose)],
                matter=7,
                scope_kind="community",
                plan_version_id=version.pk if version else None,
                plan_version_number=version.number if version else None,
            )
        ]

    def stairwell(self, *, building_id: int, stairwell: str) -> object | None:
        from types import SimpleNamespace

        from gaizao.registry.models import Building

        community_id = Building.objects.get(pk=building_id).community_id
        if (community_id, "elevator") not in self.results:
            return None
        return SimpleNamespace(ballot_id=2, approved=self.results[(community_id, "elevator")])


@pytest.fixture
def votes(monkeypatch) -> Votes:
    fake = Votes()
    monkeypatch.setattr(selectors, "project_ballot_outcomes", fake)
    monkeypatch.setattr(selectors, "stairwell_ballot_outcome", fake.stairwell)
    return fake


@pytest.fixture
def now() -> dt.datetime:
    return timezone.now()


ITEMS = [
    {"item_id": "rain_sewage_separation", "quantity": "1200"},
    {"item_id": "elevator_retrofit", "quantity": "2"},
    {"item_id": "secondary_water_supply", "quantity": "1"},
    {"item_id": "facade_repair", "quantity": "5000"},
    {"item_id": "parking", "quantity": "20"},
    {"item_id": "fire_protection", "quantity": "1"},
]
# 1200×850 + 2×600000 + 300000 + 5000×180 + 20×12000 + 150000 = 1,020,000+1,200,000+300,000+900,000+240,000+150,000
ESTIMATE = Decimal("3810000.00")


def balanced_funding(estimate: Decimal = ESTIMATE) -> dict[str, str]:
    return {
        "municipal_subsidy": "1000000",
        "district_funds": str(estimate - Decimal("1200000")),
        "resident_payment": "200000",
    }


def answer_all(consultation, *, now=None, decision: str = "agree", conditions: str = "") -> None:
    """Every invited department agrees (or ``decision``), each from its own account (``accounts`` fixture)."""
    from gaizao.programme import services

    for opinion in consultation.opinions.all():
        account = services.department_accounts(consultation, opinion.department)[0]
        services.consultation_record_opinion(
            actor=account,
            consultation=consultation,
            department=opinion.department,
            decision=decision,
            conditions=conditions,
            now=now,
        )


def ready_project(*, actor, community, votes, now, days: int = 7):
    """A project in 谋划 with a finalised plan, a completed consultation, a publication started at ``now`` and an
    agreed management plan (四(四))."""
    from gaizao.programme import services
    from tests.stewardship.helpers import agree_management_plan

    project = services.project_create(actor=actor, community_ids=[community.pk])
    services.project_move(actor=actor, project=project, to="planning", now=now)
    services.plan_save(
        actor=actor,
        project=project,
        mode="comprehensive_improvement",
        delivery_mode="epc",
        items=ITEMS,
        funding=balanced_funding(),
        elevator_stairwells=stairwells_of(community),
        now=now,
    )
    services.plan_finalise(actor=actor, project=project)
    consultation = services.consultation_start(actor=actor, project=project, now=now)
    answer_all(consultation, now=now)
    services.consultation_complete(actor=actor, consultation=consultation, now=now)
    services.publication_start(actor=actor, project=project, days=days, now=now)
    votes.pass_(community)
    agree_management_plan(project, actor)
    return project
