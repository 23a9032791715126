"""Writes of long-term management. Each is one transaction that checks its input, writes, and audits.

Every owners' decision goes through :func:`ballot_gate`, which checks what the ballot actually decided: its
community, its Art. 278 matter (from the rule set's ``[stewardship.matters]``), its purpose (a renovation consent,
plan approval or elevator ballot decides none of these) and that it was closed with the Civil Code result
"approved" over the whole community. Each write has a ``can_<move>`` used by the service, the page and the API.

Follow-up inspections after handover reuse delivery's models: the inspection, its findings and — through delivery's
own :func:`gaizao.delivery.services.order_issue` / ``order_reply`` / ``order_review`` — the rectification orders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import (
    Delivery,
    Finding,
    Inspection,
    InspectionKind,
    InspectorLevel,
    Organisation,
    OrganisationKind,
    Stage,
)
from gaizao.delivery.services import parse_amount, parse_date
from gaizao.delivery.uploads import check_document
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.participation.models import Ballot, BallotStatus, Purpose, ScopeKind, SupervisionReport
from gaizao.policy import delivery as delivery_rules
from gaizao.policy import stewardship as rules
from gaizao.programme.models import Project
from gaizao.registry.models import Community
from gaizao.stewardship.models import (
    Convention,
    ConventionKind,
    Decision,
    FeeCollection,
    FollowUp,
    FundDisclosure,
    FundEntry,
    FundEntryKind,
    ManagementMode,
    ManagementPlan,
    PlanDecision,
    PropertyContract,
    StewardMember,
)

#: Officers who agree management plans and record contracts (as in delivery).
OFFICER_ROLES = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})
#: Who keeps a community's records (fund, conventions, disclosures, fees): the officers and the community.
KEEPER_ROLES = OFFICER_ROLES | {Role.COMMUNITY_ORGANISER}
MAX_FEE = Decimal("9999.99")
#: Which owners' decision each fund entry kind needs.
FUND_DECISION = {FundEntryKind.TOP_UP: "fund_top_up", FundEntryKind.USE: "fund_use"}
#: Chinese names of the owners' decisions, for messages.
DECISION_NAMES = {
    "fee": "物业服务费标准",
    "fund_top_up": "维修资金续筹",
    "fund_use": "维修资金使用",
    "management_rules": "管理规约",
}


def _text(value: Any, field: str, label: str, *, max_length: int = 4000, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise ApplicationError(f"请填写{label}。/ {field} is required.", field=field)
    if len(out) > max_length:
        raise ApplicationError(
            f"{label}不得超过 {max_length} 字。/ {field}: at most {max_length} characters.", field=field
        )
    return out


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"请选择有效的{label}。/ {field}: {value!r} is not a valid choice.", field=field
        )
    return str(value)


def _day(value: Any, field: str) -> dt.date:
    out = parse_date(value, field)
    assert out is not None
    return out


def _fee(value: Any, field: str = "fee_yuan_per_m2_month") -> Decimal:
    fee = parse_amount(value, field)
    if fee > MAX_FEE:
        raise ApplicationError("物业服务费标准过高。/ fee: the fee standard is too large.", field=field)
    return fee


def _not_future(day: dt.date, field: str) -> None:
    if day > timezone.localdate():
        raise ApplicationError(f"日期不能晚于今天。/ {field} must not be in the future.", field=field)


# --- who may do what ------------------------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_officer_for(user: Any, division: Any) -> bool:
    if not _active(user):
        return False
    if user.role not in OFFICER_ROLES:
        return False
    return can_write(user, division)


def is_keeper_for(user: Any, community: Community) -> bool:
    if not _active(user):
        return False
    if user.role not in KEEPER_ROLES:
        return False
    return can_write(user, community.division)


def company_of(user: Any) -> Organisation | None:
    """The property service company a Role.PROPERTY_SERVICE account speaks for (None for anyone else)."""
    if not _active(user):
        return None
    if user.role != Role.PROPERTY_SERVICE:
        return None
    member = StewardMember.objects.select_related("organisation").filter(user=user).first()
    return member.organisation if member else None


def serves(user: Any, community: Community, on: dt.date | None = None) -> bool:
    """Whether ``user`` speaks for a company under contract in ``community`` on ``on`` (default today)."""
    company = company_of(user)
    if company is None:
        return False
    day = on or timezone.localdate()
    return PropertyContract.objects.filter(
        community=community, company=company, starts_on__lte=day, ends_on__gte=day
    ).exists()


def can_plan(user: Any, project: Project) -> bool:
    return is_officer_for(user, project.division)


def can_link_member(user: Any) -> bool:
    return bool(_active(user) and user.role in OFFICER_ROLES and user.division_id)


def can_add_contract(user: Any, community: Community) -> bool:
    return is_officer_for(user, community.division)


def can_keep(user: Any, community: Community) -> bool:
    """Fund entries, disclosures and conventions of ``community``."""
    return is_keeper_for(user, community)


def can_record_fees(user: Any, community: Community) -> bool:
    return is_keeper_for(user, community) or serves(user, community)


def can_inspect(user: Any, followup: FollowUp) -> bool:
    delivery = followup.delivery
    return (
        not followup.done
        and delivery.stage == Stage.HANDED_OVER
        and delivery_services.inspector_level(user, delivery) is not None
    )


def can_schedule(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.HANDED_OVER and is_officer_for(user, delivery.project.division)


# --- the ballot gate ------------------------------------------------------------------------------------------------


def ballot_problems(ballot: Ballot | None, *, community: Community, decision: str) -> list[str]:
    """What is wrong with ``ballot`` as the owners' decision ``decision`` of ``community`` (empty: it decided it).

    Checks the community, the Art. 278 matter of the rule set, the purpose (not a consent, plan or elevator
    ballot), the scope (the whole community), that counting is over and that the Civil Code result is approval.
    """
    rule = rules.matter_rule(decision)
    label = DECISION_NAMES[decision]
    if ballot is None:
        return [f"尚无{label}的业主表决。/ No owners' ballot for {decision} yet ({rule.clause})."]
    out = []
    if ballot.community_id != community.pk:
        out.append(
            f"表决 #{ballot.pk} 不是小区“{community.name}”的表决。/ ballot #{ballot.pk} is not a ballot of "
            f"{community.name}."
        )
    if ballot.matter != rule.matter:
        out.append(
            f"表决 #{ballot.pk} 的事项是第278条第{ballot.matter}项，{label}须为第{rule.matter}项（{rule.clause}）。/ "
            f"ballot #{ballot.pk} decided Art. 278 matter {ballot.matter}; {decision} needs matter {rule.matter}."
        )
    if ballot.purpose != Purpose.OTHER:
        out.append(
            f"表决 #{ballot.pk} 的用途是“{ballot.get_purpose_display()}”，不是本事项。/ ballot #{ballot.pk} was "
            f"held for {ballot.purpose}, not for {decision}."
        )
    if ballot.scope_kind != ScopeKind.COMMUNITY:
        out.append(
            f"表决 #{ballot.pk} 只涉及部分楼栋，须全体业主表决。/ ballot #{ballot.pk} covered part of the community; "
            "the decision needs all its owners."
        )
    if ballot.status not in (BallotStatus.CLOSED, BallotStatus.PUBLISHED):
        out.append(f"表决 #{ballot.pk} 尚未结束计票。/ ballot #{ballot.pk} is not closed yet.")
    elif ballot.approved is not True:
        out.append(
            f"表决 #{ballot.pk} 未获通过（{rule.clause}）。/ ballot #{ballot.pk} was not approved ({rule.clause})."
        )
    return out


def require_ballot(
    ballot: Ballot | None, *, community: Community, decision: str, field: str = "ballot"
) -> None:
    problems = ballot_problems(ballot, community=community, decision=decision)
    if problems:
        raise ApplicationError(" ".join(problems), field=field, code="ballot_gate")


def _ballot(value: Any, field: str = "ballot") -> Ballot | None:
    if value in (None, ""):
        return None
    if isinstance(value, Ballot):
        return value
    ballot = Ballot.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if ballot is None:
        raise ApplicationError("表决不存在。/ ballot: not found.", field=field)
    return ballot


# --- management plan ------------------------------------------------------------------------------------------------


@transaction.atomic
def management_plan_save(
    *,
    actor: Any,
    project: Project,
    mode: str,
    fee_yuan_per_m2_month: Any,
    fund_balance: Any,
    fund_top_up: Any,
    adopt_management_rules: bool = True,
    adopt_residents_convention: bool = True,
    note: str = "",
    is_sample: bool = False,
) -> ManagementPlan:
    """Agree (or revise) a project's long-term management plan with its renovation plan (四(四))."""
    if not can_plan(actor, project):
        raise PermissionError_(
            "您无权制定该项目的长效管理方案。/ You may not plan this project's management."
        )
    values = {
        "mode": _choice(mode, ManagementMode, "mode", "管理模式"),
        "fee_yuan_per_m2_month": _fee(fee_yuan_per_m2_month),
        "fund_balance": parse_amount(fund_balance, "fund_balance"),
        "fund_top_up": parse_amount(fund_top_up, "fund_top_up"),
        "adopt_management_rules": bool(adopt_management_rules),
        "adopt_residents_convention": bool(adopt_residents_convention),
        "note": _text(note, "note", "说明", required=False),
        "updated_by": actor,
    }
    plan = ManagementPlan.objects.select_for_update().filter(project=project).first()
    before = None
    if plan is None:
        plan = ManagementPlan.objects.create(project=project, is_sample=is_sample, **values)
    else:
        before = {k: str(getattr(plan, k)) for k in values if k != "updated_by"}
        for key, value in values.items():
            setattr(plan, key, value)
        plan.save()
    changes = {k: [before.get(k) if before else None, str(v)] for k, v in values.items() if k != "updated_by"}
    audit_record(actor=actor, action="stewardship.plan.save", obj=plan, changes=changes)
    return plan


@transaction.atomic
def plan_decision_link(
    *, actor: Any, plan: ManagementPlan, community: Community, decision: str, ballot: Any
) -> PlanDecision:
    """Name the owners' ballot that took ``decision`` for one of the plan's communities (checked by the gate)."""
    if not can_plan(actor, plan.project):
        raise PermissionError_("您无权修改该长效管理方案。/ You may not change this management plan.")
    decision = _choice(decision, Decision, "decision", "决定事项")
    if not plan.project.communities.filter(pk=community.pk).exists():
        raise ApplicationError(
            "该小区不在本项目中。/ community: not a community of this project.", field="community"
        )
    chosen = _ballot(ballot)
    require_ballot(chosen, community=community, decision=decision)
    link, _ = PlanDecision.objects.update_or_create(
        plan=plan,
        community=community,
        decision=decision,
        defaults={"ballot": chosen, "linked_by": actor},
    )
    audit_record(
        actor=actor,
        action="stewardship.plan.decision",
        obj=plan,
        changes={"community": community.code, "decision": decision, "ballot": link.ballot_id},
    )
    return link


def required_decisions(plan: ManagementPlan) -> list[str]:
    """The owners' decisions ``plan`` needs in each of its communities."""
    out = []
    if plan.mode in rules.fee_ballot_modes():
        out.append(Decision.FEE.value)
    if plan.fund_top_up > 0:
        out.append(Decision.FUND_TOP_UP.value)
    if plan.adopt_management_rules:
        out.append(Decision.MANAGEMENT_RULES.value)
    return out


# --- property service companies and contracts -----------------------------------------------------------------------


@transaction.atomic
def steward_member_link(*, actor: Any, user: Any, organisation: Organisation) -> StewardMember:
    """Link a property service company's account to its company (it then sees only its communities)."""
    if not can_link_member(actor):
        raise PermissionError_("您无权管理物业企业账号。/ You may not link property company accounts.")
    if user.role != Role.PROPERTY_SERVICE:
        raise ApplicationError(
            "只有物业服务企业账号可以关联物业企业。/ user: only property service accounts are linked here.",
            field="user",
        )
    if organisation.kind != OrganisationKind.PROPERTY_SERVICE:
        raise ApplicationError(
            "请选择物业服务企业。/ organisation: choose a property service company.", field="organisation"
        )
    member, _ = StewardMember.objects.update_or_create(user=user, defaults={"organisation": organisation})
    audit_record(
        actor=actor, action="stewardship.member.link", obj=organisation, changes={"user": user.username}
    )
    return member


@transaction.atomic
def property_contract_create(
    *,
    actor: Any,
    community: Community,
    company: Organisation | None,
    number: str,
    starts_on: Any,
    ends_on: Any,
    fee_yuan_per_m2_month: Any,
    scope: str,
    mode: str = ManagementMode.PROFESSIONAL,
    ballot: Any = None,
    is_sample: bool = False,
) -> PropertyContract:
    """Record a property service contract. The company is a registered property service company (its credit code
    was checked against GB 32100-2015 when registered); a ballot, when given, must have chosen it (matter 4)."""
    if not can_add_contract(actor, community):
        raise PermissionError_("您无权登记物业服务合同。/ You may not record property contracts here.")
    if not isinstance(company, Organisation) or company.kind != OrganisationKind.PROPERTY_SERVICE:
        raise ApplicationError(
            "请选择已登记的物业服务企业。/ company: choose a registered property service company.",
            field="company",
        )
    if not delivery_rules.is_valid_credit_code(company.credit_code):
        raise ApplicationError(
            "该企业的统一社会信用代码无效。/ company: its unified social credit code is not valid.",
            field="company",
        )
    Community.objects.select_for_update().filter(pk=community.pk).first()  # serialise the overlap check
    number = _text(number, "number", "合同编号", max_length=60)
    if PropertyContract.objects.filter(number=number).exists():
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        )
    start, end = _day(starts_on, "starts_on"), _day(ends_on, "ends_on")
    if end < start:
        raise ApplicationError(
            "结束日期不能早于开始日期。/ ends_on must not be before starts_on.", field="ends_on"
        )
    mode = _choice(mode, ManagementMode, "mode", "管理模式")
    chosen = _ballot(ballot)
    if chosen is not None:
        require_ballot(chosen, community=community, decision="fee")
    overlap = PropertyContract.objects.filter(community=community, starts_on__lte=end, ends_on__gte=start)
    if overlap.exists():
        raise ApplicationError(
            "该小区同一期间已有物业服务合同。/ starts_on: another contract covers this community in that period.",
            field="starts_on",
        )
    contract = PropertyContract.objects.create(
        community=community,
        company=company,
        mode=mode,
        number=number,
        starts_on=start,
        ends_on=end,
        fee_yuan_per_m2_month=_fee(fee_yuan_per_m2_month),
        scope=_text(scope, "scope", "服务范围"),
        ballot=chosen,
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.contract.create",
        obj=contract,
        changes={"company": company.name, "community": community.code, "term": [str(start), str(end)]},
    )
    return contract


# --- maintenance fund (维修资金) ---------------------------------------------------------------------------------------


def fund_balance(community: Community, on: dt.date | None = None) -> Decimal:
    """The fund's balance at the end of ``on`` (default: all entries)."""
    entries = FundEntry.objects.filter(community=community)
    if on is not None:
        entries = entries.filter(on__lte=on)
    return sum((e.signed_amount for e in entries), Decimal("0.00"))


@transaction.atomic
def fund_entry_record(
    *,
    actor: Any,
    community: Community,
    kind: str,
    amount: Any,
    on: Any,
    description: str,
    ballot: Any = None,
    is_sample: bool = False,
) -> FundEntry:
    """Record a movement of the maintenance fund. A top-up needs the owners' matter-6 ballot (3/4), a use the
    matter-5 ballot, and a use may not take the balance below zero on its day or later."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权登记维修资金。/ You may not record the maintenance fund here.")
    Community.objects.select_for_update().filter(pk=community.pk).first()
    kind = _choice(kind, FundEntryKind, "kind", "类型")
    value = parse_amount(amount, "amount")
    if value <= 0:
        raise ApplicationError("金额须大于零。/ amount must be greater than zero.", field="amount")
    day = _day(on, "on")
    _not_future(day, "on")
    chosen = _ballot(ballot)
    decision = FUND_DECISION.get(FundEntryKind(kind))
    if decision is not None:
        require_ballot(chosen, community=community, decision=decision)
    elif chosen is not None:
        raise ApplicationError(
            "该类收支不需要业主表决。/ ballot: this kind of entry is not decided by a ballot.", field="ballot"
        )
    if kind == FundEntryKind.USE:
        lowest = min(
            [fund_balance(community, day)]
            + [
                fund_balance(community, e.on)
                for e in FundEntry.objects.filter(community=community, on__gt=day)
            ]
        )
        if value > lowest:
            raise ApplicationError(
                f"使用金额超过维修资金余额（{lowest} 元）。/ amount: more than the fund's balance ({lowest} yuan).",
                field="amount",
            )
    entry = FundEntry.objects.create(
        community=community,
        kind=kind,
        amount=value,
        on=day,
        description=_text(description, "description", "摘要", max_length=300),
        ballot=chosen,
        recorded_by=actor,
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.fund.entry",
        obj=community,
        changes={"kind": kind, "amount": str(value), "on": str(day), "ballot": entry.ballot_id},
    )
    return entry


@transaction.atomic
def fund_disclose(
    *,
    actor: Any,
    community: Community,
    period_start: Any,
    period_end: Any,
    note: str = "",
    is_sample: bool = False,
) -> FundDisclosure:
    """Publish the fund's figures for a period (民法典 第281条): opening, income, uses (with their ballots),
    closing. Frozen at publication; shown on the community's public page."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权公开维修资金。/ You may not publish this fund.")
    start, end = _day(period_start, "period_start"), _day(period_end, "period_end")
    if end < start:
        raise ApplicationError(
            "期间结束不能早于开始。/ period_end must not be before period_start.", field="period_end"
        )
    _not_future(end, "period_end")
    rows = list(
        FundEntry.objects.filter(community=community, on__gte=start, on__lte=end).order_by("on", "id")
    )
    # an opening entry carries an existing balance into the records: it is part of the opening, not income
    opening = fund_balance(community, start - dt.timedelta(days=1)) + sum(
        (e.amount for e in rows if e.kind == FundEntryKind.OPENING), Decimal("0.00")
    )
    income = sum(
        (e.amount for e in rows if e.signed_amount > 0 and e.kind != FundEntryKind.OPENING), Decimal("0.00")
    )
    spending = sum((e.amount for e in rows if e.signed_amount < 0), Decimal("0.00"))
    disclosure = FundDisclosure.objects.create(
        community=community,
        period_start=start,
        period_end=end,
        opening=opening,
        income=income,
        spending=spending,
        closing=opening + income - spending,
        entries=[
            {
                "on": e.on.isoformat(),
                "kind": e.kind,
                "amount": str(e.amount),
                "description": e.description,
                "ballot": e.ballot_id,
            }
            for e in rows
        ],
        note=_text(note, "note", "说明", required=False),
        published_by=actor,
        published_at=timezone.now(),
        is_sample=is_sample,
    )
    audit_record(
        actor=actor,
        action="stewardship.fund.disclose",
        obj=community,
        changes={"period": [str(start), str(end)], "closing": str(disclosure.closing)},
    )
    return disclosure


# --- conventions ----------------------------------------------------------------------------------------------------


@transaction.atomic
def convention_adopt(
    *,
    actor: Any,
    community: Community,
    kind: str,
    title: str,
    file: Any,
    adopted_on: Any,
    ballot: Any = None,
    is_sample: bool = False,
) -> Convention:
    """Record an adopted convention with its text. 管理规约 needs the owners' matter-2 ballot that adopted it."""
    if not can_keep(actor, community):
        raise PermissionError_("您无权登记公约规约。/ You may not record conventions here.")
    kind = _choice(kind, ConventionKind, "kind", "类型")
    title = _text(title, "title", "标题", max_length=200)
    if file is None:
        raise ApplicationError("请上传公约文本。/ file: the adopted text is required.", field="file")
    check_document(file, field="file")
    day = _day(adopted_on, "adopted_on")
    _not_future(day, "adopted_on")
    chosen = _ballot(ballot)
    if kind == ConventionKind.MANAGEMENT_RULES:
        require_ballot(chosen, community=community, decision="management_rules")
    elif chosen is not None and chosen.community_id != community.pk:
        raise ApplicationError("表决不属于本小区。/ ballot: not a ballot of this community.", field="ballot")
    convention = Convention(
        community=community,
        kind=kind,
        title=title,
        adopted_on=day,
        ballot=chosen,
        recorded_by=actor,
        is_sample=is_sample,
    )
    convention.file.save(f"convention-{community.pk}-{file.name}", file, save=False)
    convention.save()
    audit_record(
        actor=actor,
        action="stewardship.convention.adopt",
        obj=community,
        changes={"kind": kind, "title": title, "ballot": convention.ballot_id},
    )
    return convention


# --- fee collection -------------------------------------------------------------------------------------------------


@transaction.atomic
def fee_collection_record(
    *, actor: Any, community: Community, month: Any, billed: Any, collected: Any, is_sample: bool = False
) -> FeeCollection:
    """Record (or correct) a month's property fee billed and collected; by the keepers or the serving company."""
    if not can_record_fees(actor, community):
        raise PermissionError_("您无权登记该小区的物业费收缴。/ You may not record this community's fees.")
    day = _day(month, "month").replace(day=1)
    _not_future(day, "month")
    billed_v, collected_v = parse_amount(billed, "billed"), parse_amount(collected, "collected")
    if billed_v <= 0:
        raise ApplicationError("应收金额须大于零。/ billed must be greater than zero.", field="billed")
    if collected_v > billed_v:
        raise ApplicationError("实收不能超过应收。/ collected must not exceed billed.", field="collected")
    row, _ = FeeCollection.objects.update_or_create(
        community=community,
        month=day,
        defaults={"billed": billed_v, "collected": collected_v, "recorded_by": actor, "is_sample": is_sample},
    )
    audit_record(
        actor=actor,
        action="stewardship.fee.record",
        obj=community,
        changes={"month": day.isoformat(), "billed": str(billed_v), "collected": str(collected_v)},
    )
    return row


# --- follow-up inspections ------------------------------------------------------------------------------------------


def handed_over_on(delivery: Delivery) -> dt.date | None:
    """The day the works were handed over: the last handover recorded, else the day of the stage move."""
    if delivery.stage != Stage.HANDED_OVER:
        return None
    last = delivery.handovers.aggregate(day=Max("handed_on"))["day"]
    if last is not None:
        return last
    changed = delivery.stage_changed_at or timezone.now()
    return timezone.localtime(changed).date()


@transaction.atomic
def followups_schedule(*, actor: Any, delivery: Delivery) -> list[FollowUp]:
    """Schedule the rule set's follow-up inspections (e.g. 6, 12 and 24 months after handover). Idempotent."""
    if not can_schedule(actor, delivery):
        if delivery.stage != Stage.HANDED_OVER:
            raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
        raise PermissionError_("您无权安排回访检查。/ You may not schedule follow-up inspections.")
    day = handed_over_on(delivery)
    assert day is not None
    out = []
    for months, due in rules.followup_due_dates(day):
        followup, created = FollowUp.objects.get_or_create(
            delivery=delivery, months=months, defaults={"due_on": due}
        )
        out.append(followup)
        if created:
            audit_record(
                actor=actor,
                action="stewardship.followup.schedule",
                obj=delivery,
                changes={"months": months, "due_on": due.isoformat()},
            )
    return out


def _inspect(
    actor: Any,
    followup: FollowUp,
    *,
    kind: str,
    checklist: dict[str, Any] | None,
    note: str,
    findings: list[dict[str, Any]],
    now: dt.datetime | None = None,
) -> Inspection:
    delivery = followup.delivery
    level = delivery_services.inspector_level(actor, delivery)
    if level is None:
        raise PermissionError_("您无权回访检查该项目。/ You may not inspect this project.")
    if delivery.stage != Stage.HANDED_OVER:
        raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
    if followup.done:
        raise StateError(
            "该回访检查已完成。/ followup: this follow-up was already inspected.", field="followup"
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    results = delivery_services.checklist_results(kind, checklist)
    # every finding and its order is checked before anything is written (delivery's own rules)
    prepared = [
        delivery_services.prepare_finding(delivery, kind, data, index=i, now=now)
        for i, data in enumerate(findings)
    ]
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=level,
        inspector=actor,
        inspected_at=now or timezone.now(),
        checklist=results,
        note=_text(note, "note", "说明", required=False),
    )
    followup.inspection = inspection
    followup.save(update_fields=["inspection"])
    audit_record(
        actor=actor,
        action="stewardship.followup.inspect",
        obj=delivery,
        changes={"followup": followup.pk, "months": followup.months, "inspection": inspection.pk},
    )
    for data in prepared:
        delivery_services.write_finding(actor, inspection, data, now=now)
    return inspection


@transaction.atomic
def followup_record(
    *,
    actor: Any,
    followup: FollowUp,
    kind: str = InspectionKind.QUALITY,
    checklist: dict[str, Any] | None = None,
    note: str = "",
    findings: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """Carry out a scheduled follow-up: a delivery inspection of the handed-over works with its findings; a
    finding's ``order`` (``{"party", "deadline", "requirement"}``) is issued through delivery's rectification.
    ``now`` is when the inspection took place (default now; not in the future)."""
    if now is not None and now > timezone.now():
        raise ApplicationError(
            "检查时间不能晚于现在。/ now: the inspection must not be in the future.", field="now"
        )
    followup = (
        FollowUp.objects.select_for_update().select_related("delivery__project__division").get(pk=followup.pk)
    )
    return _inspect(
        actor, followup, kind=kind, checklist=checklist, note=note, findings=findings or [], now=now
    )


def can_record_finding(user: Any, delivery: Delivery, community: Community) -> bool:
    """A property service company's account may record a finding on the handed-over works of a community its
    company serves today (a contract in force), and only there."""
    return (
        delivery.stage == Stage.HANDED_OVER
        and serves(user, community)
        and delivery.project.communities.filter(pk=community.pk).exists()
    )


@transaction.atomic
def company_finding_record(
    *,
    actor: Any,
    delivery: Delivery,
    community: Community,
    description: str,
    severity: str,
    kind: str = InspectionKind.QUALITY,
    photo: Any = None,
    lon: Any = None,
    lat: Any = None,
) -> FollowUp:
    """The property service company serving ``community`` records a problem it found in the handed-over works: an
    unscheduled follow-up with a delivery inspection by the company and one finding (delivery's checks). The
    rectification order, if any, is issued by an inspector through delivery's ``order_issue``."""
    delivery = Delivery.objects.select_for_update().select_related("project__division").get(pk=delivery.pk)
    if delivery.stage != Stage.HANDED_OVER:
        raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
    if not can_record_finding(actor, delivery, community):
        raise PermissionError_(
            "只有在本小区提供服务的物业服务企业可以登记问题。/ Only the property service company serving this "
            "community may record a finding here."
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    prepared = delivery_services.prepare_finding(
        delivery,
        kind,
        {"description": description, "severity": severity, "photo": photo, "lon": lon, "lat": lat},
        index=-1,
    )
    company = company_of(actor)
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=InspectorLevel.PROPERTY_SERVICE,
        inspector=actor,
        inspected_at=timezone.now(),
        note=f"{community.name}：物业服务企业发现的问题 / found by the property service company",
        lon=prepared["lon"],
        lat=prepared["lat"],
    )
    followup = FollowUp.objects.create(
        delivery=delivery, months=None, due_on=timezone.localdate(), inspection=inspection, company=company
    )
    audit_record(
        actor=actor,
        action="stewardship.followup.company_finding",
        obj=delivery,
        changes={
            "followup": followup.pk,
            "community": community.code,
            "company": company.pk if company else None,
        },
    )
    delivery_services.write_finding(actor, inspection, prepared, now=None)
    return followup


def can_take_report(user: Any, delivery: Delivery, report: SupervisionReport) -> bool:
    return (
        delivery.stage == Stage.HANDED_OVER
        and is_officer_for(user, delivery.project.division)
        and delivery.project.communities.filter(pk=report.community_id).exists()
        and not Finding.objects.filter(report=report).exists()
    )


@transaction.atomic
def followup_from_report(
    *,
    actor: Any,
    delivery: Delivery,
    report: SupervisionReport,
    severity: str,
    kind: str = InspectionKind.QUALITY,
    party: Organisation | None = None,
    deadline: Any = None,
    requirement: str = "",
) -> FollowUp:
    """A resident's 报事 after handover becomes an unscheduled follow-up with one finding (and an order to the
    responsible party, e.g. the contractor within its warranty); the resident is answered, and told the outcome
    when delivery's review accepts the rectification."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_respond

    if Finding.objects.filter(report=report).exists():
        raise StateError("该报事已转为检查问题。/ report: it is already a finding.", field="report")
    if not can_take_report(actor, delivery, report):
        if delivery.stage != Stage.HANDED_OVER:
            raise StateError("项目尚未移交。/ stage: the works are not handed over yet.", field="stage")
        raise PermissionError_("您无权将该报事转为回访问题。/ You may not turn this report into a follow-up.")
    followup = FollowUp.objects.create(
        delivery=delivery, months=None, due_on=timezone.localdate(), report=report
    )
    order = {"party": party, "deadline": deadline, "requirement": requirement} if party is not None else None
    _inspect(
        actor,
        followup,
        kind=kind,
        checklist=None,
        note=f"居民报事 #{report.pk} 转回访 / resident report #{report.pk}",
        findings=[
            {
                "description": f"居民报事：{report.description}",
                "severity": severity,
                "lon": report.lon,
                "lat": report.lat,
                "report": report,
                "order": order,
            }
        ],
    )
    if report.status == ReportStatus.OPEN:
        report_respond(
            actor=actor,
            report_id=report.pk,
            response="已转为移交后回访检查问题并督促整改，结果将在此告知。/ Turned into a follow-up finding after "
            "handover; the outcome will be posted here.",
        )
    return followup
