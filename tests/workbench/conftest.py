"""Hangzhou's divisions and the demo accounts, plus a little of every matter the workbench lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone


@pytest.fixture
def hangzhou(db):
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.divisions.services import divisions_load_hangzhou

    divisions_load_hangzhou()
    demo_accounts_load()


@pytest.fixture
def users(hangzhou):
    from gaizao.accounts.models import User

    return {u.username: u for u in User.objects.select_related("division")}


@pytest.fixture(scope="module")
def delivery_money_demos(clean_tables, django_db_blocker):
    """Hangzhou's divisions, the demo accounts and the registry, delivery and money demos, loaded (committed) once
    for a module: its tests (``db``) roll back to them, and the tables as they were before come back after it."""
    from gaizao.accounts.demo import demo_accounts_load
    from gaizao.delivery.demo import load_demo as delivery_demo
    from gaizao.divisions.services import divisions_load_hangzhou
    from gaizao.money.demo import load_demo as money_demo
    from gaizao.registry.demo import load_demo as registry_demo
    from tests.conftest import CLEAN

    with django_db_blocker.unblock():
        divisions_load_hangzhou()
        demo_accounts_load()
        for load in (registry_demo, delivery_demo, money_demo):
            load(lambda line: None)
    yield
    with django_db_blocker.unblock():
        clean_tables.restore(CLEAN)


@pytest.fixture
def matters(users):
    """An open ballot closing tomorrow, an open consultation with the water utility's opinion pending, a submitted
    annual plan, and a registry import whose report has errors — all in 上城区 清波门社区."""
    from gaizao.audit.services import audit_record
    from gaizao.jobs.models import Job, JobStatus
    from gaizao.participation.models import Ballot
    from gaizao.programme.models import AnnualPlan, Consultation, ConsultationOpinion, Project
    from gaizao.registry.importing.jobs import JOB_KIND
    from gaizao.registry.models import Community

    community_div = users["qingbomen"].division
    district = users["shangcheng"].division
    community = Community.objects.create(
        code="WB-001",
        name="清波小区",
        division=community_div,
        scope_status="priority",
        built_year=1990,
        building_area_m2=Decimal("20000"),
    )
    now = timezone.now()
    ballot = Ballot.objects.create(
        community=community,
        matter=1,
        purpose="renovation_consent",
        question="是否同意改造？",
        scope_kind="community",
        scope_key=f"community:{community.pk}",
        status="open",
        opened_at=now,
        closes_at=now + dt.timedelta(days=1),
    )
    project = Project.objects.create(
        code="WB-P1", name="清波小区改造", division=community_div, district=district, state="planning"
    )
    project.communities.add(community)
    consultation = Consultation.objects.create(project=project, state="open", started_at=now)
    ConsultationOpinion.objects.create(consultation=consultation, department="water", order=1)
    ConsultationOpinion.objects.create(
        consultation=consultation, department="power", order=2, decision="agree"
    )
    plan = AnnualPlan.objects.create(
        district=district, plan_year=now.year + 1, state="submitted", version=1, submitted_at=now
    )
    job = Job.objects.create(
        kind=JOB_KIND,
        title="小区导入 communities.xlsx",
        owner=users["shangcheng"],
        status=JobStatus.SUCCEEDED,
        result={
            "report": {
                "kind": "communities",
                "filename": "communities.xlsx",
                "total": 3,
                "valid": 2,
                "errors": [[3, "建成年份", "不是年份 / not a year", "x"]],
                "error_row_count": 1,
            }
        },
    )
    from gaizao.participation.models import SupervisionReport
    from gaizao.programme.models import Plan, PlanVersion, Publication, PublicationComment

    report = SupervisionReport.objects.create(
        community=community,
        category="safety",
        description="脚手架下方未设置安全通道",
        reporter=users["resident"],
    )
    plan_row = Plan.objects.create(project=project, state="finalised")
    version = PlanVersion.objects.create(
        plan=plan_row,
        number=1,
        mode="comprehensive_improvement",
        estimate=Decimal("1000000"),
        funding_total=Decimal("1000000"),
        subsidy_amount=Decimal("0"),
    )
    publication = Publication.objects.create(
        project=project, plan_version=version, state="open", starts_at=now, ends_at=now + dt.timedelta(days=7)
    )
    comment = PublicationComment.objects.create(
        publication=publication, name="王先生", contact="138", body="希望增加停车位", created_at=now
    )
    with transaction.atomic():
        audit_record(
            actor=users["shangcheng"],
            action="project.planning",
            obj=project,
            changes={"state": ["reserve", "planning"]},
        )
    return {
        "ballot": ballot,
        "consultation": consultation,
        "plan": plan,
        "job": job,
        "project": project,
        "report": report,
        "publication": publication,
        "comment": comment,
    }
