"""A small Hangzhou for the delivery tests: divisions, the demo accounts plus a contractor and a supervisor linked to
their organisations, and a project in 实施一批 listed in an approved annual plan, with a completed consultation that
simplified approvals and an agreed management plan (四(四)). Programme records are made directly (their own workflow
is tested in tests/programme)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gaizao.accounts.demo import demo_accounts_load
from gaizao.accounts.models import Role, User
from gaizao.delivery import services
from gaizao.delivery.models import Organisation, OrganisationKind, OrganisationMember
from gaizao.policy.delivery import credit_code_check_char
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanState,
    Consultation,
    ConsultationOpinion,
    ConsultationState,
    OpinionDecision,
    Plan,
    PlanState,
    PlanVersion,
    Project,
    ProjectCommunity,
    ProjectState,
)
from tests.programme.conftest import make_community, make_divisions
from tests.stewardship.helpers import agree_management_plan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "approval.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def code(prefix17: str) -> str:
    return prefix17 + credit_code_check_char(prefix17)


PLAN_ITEMS = [
    {
        "item_id": "rain_sewage_separation",
        "name_zh": "雨污分流",
        "quantity": "1200",
        "unit": "m",
        "amount": "1020000",
    },
    {
        "item_id": "facade_repair",
        "name_zh": "外立面整治",
        "quantity": "5000",
        "unit": "m²",
        "amount": "900000",
    },
]


@pytest.fixture
def divs(db):
    return make_divisions()


@pytest.fixture
def accounts(divs) -> dict[str, User]:
    demo_accounts_load()
    users = {u.username: u for u in User.objects.select_related("division")}
    for username, role in (
        ("builder", Role.CONTRACTOR),
        ("watcher", Role.SUPERVISOR),
        ("outsider", Role.CONTRACTOR),
    ):
        users[username] = User.objects.create_user(username=username, password="pw-delivery-1", role=role)
    return users


@pytest.fixture
def orgs(accounts) -> dict[str, Organisation]:
    out = {
        "body": Organisation.objects.create(
            name="上城区城市建设发展中心",
            credit_code=code("12330102MB0A00001"),
            kind=OrganisationKind.IMPLEMENTING,
        ),
        "builder": Organisation.objects.create(
            name="杭州某建设有限公司", credit_code=code("91330102MA2AY0001"), kind=OrganisationKind.CONTRACTOR
        ),
        "watcher": Organisation.objects.create(
            name="杭州某监理有限公司", credit_code=code("91330106MA2B00001"), kind=OrganisationKind.SUPERVISOR
        ),
        "other": Organisation.objects.create(
            name="外区施工公司", credit_code=code("91330100MA28A0001"), kind=OrganisationKind.CONTRACTOR
        ),
        "water": Organisation.objects.create(
            name="杭州水务集团", credit_code=code("91330100MA28A0002"), kind=OrganisationKind.UTILITY
        ),
    }
    OrganisationMember.objects.create(user=accounts["builder"], organisation=out["builder"])
    OrganisationMember.objects.create(user=accounts["watcher"], organisation=out["watcher"])
    OrganisationMember.objects.create(user=accounts["outsider"], organisation=out["other"])
    return out


def make_project(divs, community, *, code_: str = "P-SC-001", approved: bool = True, year: int | None = None):
    project = Project.objects.create(
        code=code_,
        name=f"{community.name}综合改造",
        division=community.division,
        district=divs["330102"]
        if community.division.path.startswith(divs["330102"].path)
        else divs["330106"],
        state=ProjectState.IMPLEMENTING,
    )
    ProjectCommunity.objects.create(project=project, community=community)
    plan = Plan.objects.create(project=project, state=PlanState.FROZEN)
    version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        mode="comprehensive_improvement",
        delivery_mode="epc",
        items=PLAN_ITEMS,
        funding={"district_funds": "1920000"},
        estimate=Decimal("1920000"),
        funding_total=Decimal("1920000"),
    )
    plan.current_version = version
    plan.save()
    consultation = Consultation.objects.create(
        project=project,
        plan_version=version,
        state=ConsultationState.COMPLETED,
        started_at=timezone.now(),
        completed_at=timezone.now(),
    )
    ConsultationOpinion.objects.create(
        consultation=consultation,
        department="housing_construction",
        decision=OpinionDecision.AGREE,
        simplified_approvals="施工图审查免于办理，由设计单位承诺",
    )
    annual = AnnualPlan.objects.create(
        district=project.district,
        plan_year=year or timezone.localdate().year,
        state=AnnualPlanState.APPROVED if approved else AnnualPlanState.SUBMITTED,
    )
    annual.projects.add(project)
    # 四(四): agreed with the renovation plan, one of the conditions of 实施 (needs the demo accounts loaded)
    agree_management_plan(project, User.objects.get(role=Role.DISTRICT_OFFICER, division=project.district))
    return project


@pytest.fixture
def community(divs):
    return make_community("SC-001", "清波小区", divs["330102001051"], lon=120.16, lat=30.24)


@pytest.fixture
def project(divs, community, accounts):
    return make_project(divs, community)


@pytest.fixture
def delivery(project, accounts, orgs):
    return services.delivery_open(
        actor=accounts["shangcheng"], project=project, implementing_body=orgs["body"]
    )


def record_all_approvals(delivery, actor, *, waive: str | None = "drawing_review"):
    consultation = delivery.project.consultations.get()
    for approval in delivery.approvals.all():
        if approval.item_id == waive:
            services.approval_waive(actor=actor, approval=approval, consultation=consultation)
        else:
            services.approval_record(
                actor=actor,
                approval=approval,
                document_number=f"上城建〔2026〕{approval.order + 1}号",
                issued_on=timezone.localdate() - dt.timedelta(days=30),
                file=pdf(),
            )


def add_contracts(delivery, actor, orgs):
    today = timezone.localdate()
    builder = services.contract_create(
        actor=actor,
        delivery=delivery,
        kind="epc",
        number=f"SG-{delivery.pk}-1",
        party=orgs["builder"],
        amount="1500000.00",
        signed_on=today - dt.timedelta(days=20),
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=200),
    )
    watcher = services.contract_create(
        actor=actor,
        delivery=delivery,
        kind="supervision",
        number=f"JL-{delivery.pk}-1",
        party=orgs["watcher"],
        amount="45000.50",
        signed_on=today - dt.timedelta(days=20),
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=200),
    )
    return builder, watcher


@pytest.fixture
def started(delivery, accounts, orgs):
    """A delivery whose approvals (one waived) and contracts are recorded, moved to 开工 and 在建."""
    officer = accounts["shangcheng"]
    record_all_approvals(delivery, officer)
    add_contracts(delivery, officer, orgs)
    services.delivery_move(actor=officer, delivery=delivery, to="started")
    services.delivery_move(actor=officer, delivery=delivery, to="construction")
    delivery.refresh_from_db()
    return delivery


SIGNATORIES = [
    {"role": "implementing", "name": "李建国", "organisation": "上城区城市建设发展中心"},
    {"role": "contractor", "name": "王施工", "organisation": "杭州某建设有限公司"},
    {"role": "supervisor", "name": "赵监理", "organisation": "杭州某监理有限公司"},
    {"role": "street", "name": "钱街道", "organisation": "清波街道"},
    {"role": "resident", "name": "孙居民"},
    {"role": "building_lead", "name": "周楼长"},
]


def acceptance_items(delivered: str | None = None):
    return [
        {"item_id": i["item_id"], "delivered": delivered or i["quantity"], "passed": True} for i in PLAN_ITEMS
    ]
