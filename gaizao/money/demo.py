"""Demo money (示例数据): one completed project whose money can be followed end to end.

``load_demo(out)`` creates 资金示例小区 in 上城区 清波街道 清波门社区 (24 households), a project on it with a plan,
and then, as the demo accounts and through the services: budgets and receipts from three sources (district funds,
central and provincial funds through a granted application, a utility's contribution), an EPC contract with its
commitment and payments from the three sources, the final accounts with an elevator exclusion, an audit that trims
the construction cost, the approval (核定), the subsidy settlement approved by 市财政局 and disbursed, and the
residents' contribution shared out by exclusive area with two households paid.

The works ran from March to October of last year (the money in and out carries those dates); the final accounts,
their audit and approval and the settlement are recorded now, and the subsidy is disbursed today, after its approval.

Prerequisites: the Hangzhou divisions and the demo accounts (``gaizao.divisions.services.divisions_load_hangzhou``,
``gaizao.accounts.demo.demo_accounts_load``). Idempotent: nothing is done when the project already exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

DEMO_COMMUNITY_CODE = "GZ-MONEY-DEMO"
DEMO_PROJECT_NAME = "资金示例小区综合改造（已完工）"
DIVISION_CODE = "330102001051"  # 清波门社区


def _user(username: str) -> Any:
    from gaizao.accounts.models import User

    user = User.objects.filter(username=username).select_related("division").first()
    if user is None:
        raise RuntimeError(
            f"money demo: the demo account {username!r} is missing; load the demo accounts first."
        )
    return user


def _community() -> Any:
    from gaizao.divisions.models import Division
    from gaizao.registry.models import Building, Community, Owner, Unit

    division = Division.objects.filter(code=DIVISION_CODE).first()
    if division is None:
        raise RuntimeError(
            "money demo: division 330102001051 (清波门社区) is missing; load the divisions first."
        )
    community = Community.objects.filter(code=DEMO_COMMUNITY_CODE).first()
    if community is not None:
        return community
    community = Community.objects.create(
        code=DEMO_COMMUNITY_CODE,
        name="资金示例小区",
        division=division,
        built_year=1992,
        building_area_m2=Decimal("18000.00"),
        building_count=1,
        households=24,
        scope_status="priority",
        scope_reasons=[
            {"code": "scope.built_by", "clause": "杭政办函〔2022〕10号 二(一)", "message": "2000年底前建成"}
        ],
        is_sample=True,
    )
    building = Building.objects.create(community=community, code="1", floors=6, stairwells=2, built_year=1992)
    rng = random.Random("money-demo")
    for stair in (1, 2):
        for floor in range(1, 7):
            for door in (1, 2):
                owner = Owner.objects.create(
                    division=division,
                    name=rng.choice("王李张刘陈杨赵黄周吴")
                    + rng.choice(["建国", "秀英", "伟", "芳", "军", "丽华"]),
                    phone="139" + "".join(str(rng.randrange(10)) for _ in range(8)),
                    is_sample=True,
                )
                Unit.objects.create(
                    building=building,
                    stairwell=str(stair),
                    number=f"{floor}0{door}",
                    owner=owner,
                    area_registered_m2=Decimal(str(round(rng.uniform(48, 92), 2))),
                )
    return community


def _contract(project: Any, day: dt.date) -> Any:
    from gaizao.delivery.models import Contract, Organisation

    party, _ = Organisation.objects.get_or_create(
        credit_code="91330102MADEMO001X",
        defaults={"name": "杭州示例建设集团有限公司（示例）", "kind": "epc", "is_sample": True},
    )
    return Contract.objects.create(
        project=project,
        kind="epc",
        number=f"HT-{project.code}-EPC",
        title="工程总承包合同（示例）",
        party=party,
        amount=Decimal("5600000.00"),
        signed_on=day,
        starts_on=day,
        ends_on=day + dt.timedelta(days=240),
        is_sample=True,
    )


@transaction.atomic
def load_demo(out: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the completed demo project; returns what it created (or found)."""
    from gaizao.money import services
    from gaizao.money.models import Settlement
    from gaizao.programme import services as programme
    from gaizao.programme.models import Project

    existing = Project.objects.filter(name=DEMO_PROJECT_NAME).first()
    if existing is not None:
        out(f"资金 / money: 示例项目已存在 / demo project exists: {existing.code}")
        return {"project": existing.pk, "created": False}
    officer, street, finance = _user("shangcheng"), _user("qingbo"), _user("finance")
    organiser = _user("qingbomen")
    community = _community()
    project = programme.project_create(
        actor=officer, community_ids=[community.pk], name=DEMO_PROJECT_NAME, is_sample=True
    )
    programme.plan_save(
        actor=officer,
        project=project,
        mode="comprehensive_improvement",
        delivery_mode="epc",
        items=[
            {"item_id": "rain_sewage_separation", "quantity": "2000", "unit_rate": "850"},
            {"item_id": "facade_repair", "quantity": "10000", "unit_rate": "180"},
            {"item_id": "elevator_retrofit", "quantity": "2", "unit_rate": "500000"},
            {"item_id": "fire_protection", "quantity": "1", "unit_rate": "300000"},
        ],
        funding={
            "district_funds": "3800000",
            "central_provincial": "1500000",
            "utilities": "300000",
            "resident_payment": "200000",
        },
        note="示例数据 / sample data",
    )
    today = timezone.localdate()
    start = dt.date(today.year - 1, 3, 1)
    works_year = start.year

    def entry(kind: str, source: str, amount: str, doc: str, days: int, **kw: Any) -> Any:
        return services.entry_record(
            actor=officer,
            project=project,
            kind=kind,
            source=source,
            amount=amount,
            date=start + dt.timedelta(days=days),
            document_number=doc,
            is_sample=True,
            **kw,
        )

    for source, amount in (
        ("district_funds", "3800000.00"),
        ("central_provincial", "1500000.00"),
        ("utilities", "300000.00"),
    ):
        entry("budget", source, amount, f"YS-{source}", 0)
    entry("received", "district_funds", "3800000.00", f"DW-{works_year}-001", 10)
    entry("received", "utilities", "300000.00", f"DW-{works_year}-002", 12)
    application = services.application_submit(
        actor=officer,
        project=project,
        source="central_provincial",
        requested="1500000.00",
        submitted_on=start,
        reference=f"浙建城〔{works_year}〕示例号",
    )
    services.application_decide(
        actor=officer, application=application, granted="1500000.00", decided_on=start + dt.timedelta(days=30)
    )
    services.application_receive(
        actor=officer,
        application=application,
        amount="1500000.00",
        date=start + dt.timedelta(days=45),
        document_number=f"DW-{works_year}-003",
    )
    contract = _contract(project, start + dt.timedelta(days=20))
    commitment = entry(
        "commitment", "district_funds", "5600000.00", contract.number, 20, contract_id=contract.pk
    )
    for i, (source, amount, days) in enumerate(
        [
            ("district_funds", "1680000.00", 60),
            ("central_provincial", "1500000.00", 120),
            ("district_funds", "2120000.00", 200),
            ("utilities", "300000.00", 230),
        ],
        start=1,
    ):
        entry("payment", source, amount, f"ZF-{works_year}-{i:03d}", days, commitment_id=commitment.pk)

    fa = services.final_accounts_start(actor=street, project=project, prepared_by_org="清波街道（实施主体）")
    for heading, description, amount, exclusion in [
        ("construction", "雨污分流、立面整治、消防设施", "4300000.00", ""),
        ("equipment", "加装电梯 2 台", "1000000.00", "elevator"),
        ("other", "设计、监理、造价咨询", "300000.00", ""),
    ]:
        services.final_accounts_line_add(
            actor=street,
            final_accounts=fa,
            heading=heading,
            description=description,
            amount=amount,
            exclusion=exclusion,
        )
    services.final_accounts_submit(actor=street, final_accounts=fa)
    services.final_accounts_audit(
        actor=officer,
        final_accounts=fa,
        auditor="杭州示例会计师事务所（示例）",
        report_number=f"杭示审〔{today.year}〕1号",
        adjustments=[
            {"heading": "construction", "amount": "-86420.37", "reason": "立面整治工程量核减（示例）"}
        ],
    )
    services.final_accounts_approve(actor=officer, final_accounts=fa)
    settlement = services.settlement_compute(actor=officer, project=project)
    settlement = services.settlement_approve(
        actor=finance, settlement=Settlement.objects.get(pk=settlement.pk)
    )
    services.settlement_disburse(
        actor=finance,
        settlement=settlement,
        amount=settlement.subsidy_total,
        date=today,
        document_number=f"BF-{today.year}-001",
    )

    contribution = services.contribution_allocate(
        actor=organiser, project=project, community_id=community.pk, total="120000.00"
    )
    first, second = contribution.shares.order_by("unit_label")[:2]
    services.household_payment_record(
        actor=organiser,
        share=first,
        channel="resident_payment",
        amount=first.amount,
        date=dt.date(works_year, 5, 1),
        document_number="JK-001",
    )
    services.household_payment_record(
        actor=organiser,
        share=second,
        channel="maintenance_fund",
        amount=second.amount,
        date=dt.date(works_year, 5, 2),
        document_number="JK-002",
    )
    settlement.refresh_from_db()
    counts = {
        "project": project.pk,
        "code": project.code,
        "subsidy": str(settlement.subsidy_total),
        "created": True,
    }
    out(
        f"资金 / money: 示例项目 {project.code}，市级补助 {settlement.subsidy_total} 元（示例数据 / sample data）"
    )
    return counts
