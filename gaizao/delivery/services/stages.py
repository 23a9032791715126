"""The delivery and its stages: opening it with the approvals checklist, the conditions of each move
(:func:`stage_blockers`: :func:`stage_facts` reads, :func:`move_blockers` judges on plain data), the ``can_<move>``
questions and :func:`delivery_move`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery import selectors
from gaizao.delivery.models import (
    Approval,
    ApprovalStatus,
    Contract,
    ContractKind,
    Delivery,
    Organisation,
    OrganisationKind,
    Stage,
)
from gaizao.delivery.services._common import _choice, _lock, _text, parse_date
from gaizao.delivery.services.machines import STAGE_MACHINE
from gaizao.delivery.services.permissions import _require_officer, is_officer_for
from gaizao.errors import ApplicationError, StateError
from gaizao.policy import delivery as rules
from gaizao.programme.models import AnnualPlan, AnnualPlanState, Project, ProjectState

#: Contract kinds that build the works (one is needed before 开工).
BUILDER_KINDS = frozenset({ContractKind.CONSTRUCTION, ContractKind.EPC})

#: The contract each delivery mode of the plan (四(三): EPC, 全过程咨询, 代建; ids from the rule set) calls for.
MODE_CONTRACT = {
    "epc": ContractKind.EPC,
    "full_process_consulting": ContractKind.CONSULTING,
    "agent_construction": ContractKind.AGENCY,
}


def can_open(user: Any, project: Project) -> bool:
    return is_officer_for(user, project) and not Delivery.objects.filter(project=project).exists()


@transaction.atomic
def delivery_open(
    *,
    actor: Any,
    project: Project,
    implementing_body: Organisation | None = None,
    on: dt.date | None = None,
    is_sample: bool = False,
) -> Delivery:
    """Open the delivery of a project in 实施一批 (stage 前期) with the approvals checklist of the rule set."""
    _require_officer(actor, project)
    if project.state != ProjectState.IMPLEMENTING:
        raise StateError(
            "只有“实施一批”的项目可以进入实施。/ project: only a project in the implementing pool can be delivered.",
            field="project",
        )
    if Delivery.objects.filter(project=project).exists():
        raise StateError("该项目已进入实施。/ project: its delivery is already open.", field="project")
    if implementing_body is not None and implementing_body.kind != OrganisationKind.IMPLEMENTING:
        raise ApplicationError(
            "实施主体须为“实施主体”类单位。/ implementing_body: choose an organisation of kind implementing body.",
            field="implementing_body",
        )
    delivery = Delivery.objects.create(
        project=project,
        implementing_body=implementing_body,
        created_by=actor,
        stage_changed_at=timezone.now(),
        is_sample=is_sample,
    )
    for order, item in enumerate(rules.approval_items(on or timezone.localdate())):
        Approval.objects.create(
            delivery=delivery, item_id=item.id, name=item.name_zh, required=item.required, order=order
        )
    audit_record(
        actor=actor,
        action="delivery.open",
        obj=delivery,
        changes={"stage": [None, Stage.PRELIMINARY], "project": project.code},
    )
    return delivery


def approved_annual_plan(project: Project) -> AnnualPlan | None:
    """The approved annual plan that lists ``project`` (四(三) 报经市政府同意后实施), or None."""
    return (
        AnnualPlan.objects.filter(projects=project, state=AnnualPlanState.APPROVED)
        .order_by("-plan_year")
        .first()
    )


def approved_plan_version(delivery: Delivery) -> Any:
    plan = getattr(delivery.project, "plan", None)
    return plan.current_version if plan is not None else None


def delivery_mode(delivery: Delivery) -> str:
    """The delivery mode (EPC, full-process consulting, agent construction) of the project's current plan version."""
    version = approved_plan_version(delivery)
    return str(version.delivery_mode) if version is not None else ""


@dataclass(frozen=True)
class StageFacts:
    """What the conditions of a stage move look at, as plain data (read by :func:`stage_facts`).

    Each move reads only its own facts; the others stay None and :func:`move_blockers` never looks at them: 开工
    (from 前期) reads the annual plan, the required approvals still pending, the contract kinds and the plan's
    delivery mode; 竣工验收 the open rectification orders; 移交 whether anything is handed over.
    """

    stage: str
    resume_stage: str
    in_approved_annual_plan: bool | None = None
    pending_approvals: tuple[str, ...] | None = None
    contract_kinds: frozenset[str] | None = None
    delivery_mode: str | None = None
    open_orders: int | None = None
    has_handovers: bool | None = None


def with_stage_facts(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """``deliveries`` with every fact :func:`stage_facts` reads fetched up front, in three queries whatever their
    number (the deliveries with the annual-plan, open-order and handover answers as columns; their pending
    required approvals; their projects' contract kinds), so a list that asks ``can_<move>`` of each delivery (the
    workbench's stages awaiting) does not read five rows per delivery."""
    from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Value
    from django.db.models.functions import Coalesce

    from gaizao.delivery.models import Handover, OrderState, RectificationOrder

    open_orders = (
        RectificationOrder.objects.filter(delivery=OuterRef("pk"))
        .exclude(state=OrderState.CLOSED)
        .order_by()
        .values("delivery")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        # only what the guards read (the project's division for the scope, the version's delivery mode) and a
        # to-do shows: a city's thousands of deliveries are built as few models as possible
        deliveries.select_related(None)
        .select_related("project__division", "project__plan__current_version")
        .only(
            "id",
            "stage",
            "resume_stage",
            "project__id",
            "project__code",
            "project__name",
            "project__division__id",
            "project__division__path",
            "project__division__level",
            "project__plan__id",
            "project__plan__current_version__id",
            "project__plan__current_version__delivery_mode",
        )
        .annotate(
            facts_in_approved_plan=Exists(
                AnnualPlan.objects.filter(projects=OuterRef("project_id"), state=AnnualPlanState.APPROVED)
            ),
            facts_open_orders=Coalesce(Subquery(open_orders, output_field=IntegerField()), Value(0)),
            facts_has_handovers=Exists(Handover.objects.filter(delivery=OuterRef("pk"))),
        )
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=Approval.objects.filter(required=True, status=ApprovalStatus.PENDING).only(
                    "id", "delivery_id", "name", "order"
                ),
                to_attr="facts_pending_approvals",
            ),
            Prefetch(
                "project__contracts",
                queryset=Contract.objects.only("id", "project_id", "kind"),
                to_attr="facts_contracts",
            ),
        )
    )


#: The move the workbench offers from each stage it lists (开工, 在建, 完工, 竣工验收, 移交): the one forward move
#: :data:`STAGE_TRANSITIONS` allows from it (停工 is never offered).
NEXT_STAGE = {
    Stage.PRELIMINARY: Stage.STARTED,
    Stage.STARTED: Stage.CONSTRUCTION,
    Stage.CONSTRUCTION: Stage.COMPLETED,
    Stage.COMPLETED: Stage.ACCEPTED,
    Stage.ACCEPTED: Stage.HANDED_OVER,
}


def ready_to_move_q() -> Q:
    """A filter for the deliveries whose forward move (:data:`NEXT_STAGE`) :func:`move_blockers` would allow now,
    as SQL: the same conditions, so a city's thousands of deliveries are counted by the database instead of being
    built and judged one by one (tests/delivery/test_ready_to_move.py keeps the two equal). The officer's scope
    is not part of it: the caller filters the deliveries it may write."""
    from gaizao.delivery.models import Handover, OrderState, RectificationOrder

    contract = Contract.objects.filter(project_id=OuterRef("project_id"))
    mode = "project__plan__current_version__delivery_mode"
    # 开工: in an approved annual plan, no required approval pending, a builder's contract and the contract the
    # plan's delivery mode calls for
    mode_met: Any = ~Q(**{f"{mode}__in": list(MODE_CONTRACT)}) | Q(**{f"{mode}__isnull": True})
    for mode_id, kind in MODE_CONTRACT.items():
        mode_met |= Q(**{mode: mode_id}) & Exists(contract.filter(kind=kind))
    start = (
        Q(stage=Stage.PRELIMINARY)
        & Exists(AnnualPlan.objects.filter(projects=OuterRef("project_id"), state=AnnualPlanState.APPROVED))
        & ~Exists(
            Approval.objects.filter(delivery=OuterRef("pk"), required=True, status=ApprovalStatus.PENDING)
        )
        & Exists(contract.filter(kind__in=list(BUILDER_KINDS)))
        & mode_met
    )
    accept = Q(stage=Stage.COMPLETED) & ~Exists(
        RectificationOrder.objects.filter(delivery=OuterRef("pk")).exclude(state=OrderState.CLOSED)
    )
    hand_over = Q(stage=Stage.ACCEPTED) & Exists(Handover.objects.filter(delivery=OuterRef("pk")))
    return start | Q(stage__in=[Stage.STARTED, Stage.CONSTRUCTION]) | accept | hand_over


def stage_facts(delivery: Delivery, to: str) -> StageFacts:
    """Read what :func:`move_blockers` needs to judge moving ``delivery`` to ``to``, and nothing more (nothing at
    all for a delivery fetched through :func:`with_stage_facts`)."""
    facts = StageFacts(stage=delivery.stage, resume_stage=delivery.resume_stage)
    if to not in STAGE_MACHINE.targets(delivery.stage):
        return facts
    # a delivery read through with_stage_facts carries its facts as attributes
    known: Any = delivery if hasattr(delivery, "facts_in_approved_plan") else None
    if to == Stage.STARTED and delivery.stage == Stage.PRELIMINARY:
        if known is not None:
            pending: Any = known.facts_pending_approvals
            kinds: Any = [c.kind for c in known.project.facts_contracts]
            in_plan = bool(known.facts_in_approved_plan)
        else:
            pending = delivery.approvals.filter(required=True, status=ApprovalStatus.PENDING)
            kinds = Contract.objects.filter(project_id=delivery.project_id).values_list("kind", flat=True)
            in_plan = approved_annual_plan(delivery.project) is not None
        facts = replace(
            facts,
            in_approved_annual_plan=in_plan,
            pending_approvals=tuple(a.name for a in pending),
            contract_kinds=frozenset(kinds),
            delivery_mode=delivery_mode(delivery),
        )
    if to == Stage.ACCEPTED:
        n = known.facts_open_orders if known is not None else selectors.open_orders(delivery).count()
        facts = replace(facts, open_orders=n)
    if to == Stage.HANDED_OVER:
        has = known.facts_has_handovers if known is not None else delivery.handovers.exists()
        facts = replace(facts, has_handovers=bool(has))
    return facts


def move_blockers(facts: StageFacts, to: str) -> list[tuple[str, str]]:
    """The conditions that forbid moving to ``to``, judged on ``facts`` alone, as ``(field, message)`` pairs.

    Reads nothing: a move not in :data:`STAGE_TRANSITIONS` is refused alone; otherwise every unmet condition is
    listed, in a fixed order.
    """
    out: list[tuple[str, str]] = []
    if to not in STAGE_MACHINE.targets(facts.stage):
        out.append(
            (
                "stage",
                f"不能从“{Stage(facts.stage).label}”转为“{Stage(to).label}”。/ stage: cannot move from "
                f"{facts.stage} to {to}.",
            )
        )
        return out
    if facts.stage == Stage.SUSPENDED and to != facts.resume_stage:
        out.append(
            (
                "stage",
                f"停工后只能恢复到“{Stage(facts.resume_stage).label}”。/ stage: a suspended delivery resumes to "
                f"{facts.resume_stage}.",
            )
        )
    if to == Stage.STARTED and facts.stage == Stage.PRELIMINARY:
        assert facts.in_approved_annual_plan is not None, "stage_facts reads the annual plan for 开工"
        assert facts.pending_approvals is not None, "stage_facts reads the approvals for 开工"
        assert facts.contract_kinds is not None, "stage_facts reads the contracts for 开工"
        assert facts.delivery_mode is not None, "stage_facts reads the delivery mode for 开工"
        if not facts.in_approved_annual_plan:
            out.append(
                (
                    "annual_plan",
                    "项目尚未列入经市政府批准的年度改造计划，不能开工。/ annual_plan: the project is not in an approved "
                    "annual plan; works cannot start.",
                )
            )
        pending = facts.pending_approvals
        if pending:
            out.append(
                (
                    "approvals",
                    f"以下审批事项尚未办理：{'、'.join(pending)}。/ approvals: required approvals are not recorded "
                    f"({len(pending)}).",
                )
            )
        kinds = facts.contract_kinds
        if not kinds & BUILDER_KINDS:
            out.append(
                (
                    "contracts",
                    "尚未登记施工或工程总承包合同。/ contracts: no construction or EPC contract is recorded.",
                )
            )
        mode = facts.delivery_mode
        needed = MODE_CONTRACT.get(mode)
        if needed is not None and needed not in kinds:
            label = str(ContractKind(needed).label)
            out.append(
                (
                    "contracts",
                    f"方案建设模式要求登记“{label.split(' / ')[0]}”合同。/ contracts: the plan's delivery mode {mode} "
                    f"needs a {needed} contract.",
                )
            )
    if to == Stage.ACCEPTED:
        assert facts.open_orders is not None, "stage_facts counts the open orders for 竣工验收"
        n = facts.open_orders
        if n:
            out.append(
                (
                    "orders",
                    f"尚有 {n} 项整改未销号，不能竣工验收。/ orders: {n} rectification order(s) still open; "
                    "completion acceptance is refused.",
                )
            )
    if to == Stage.HANDED_OVER:
        assert facts.has_handovers is not None, "stage_facts reads the handovers for 移交"
        if not facts.has_handovers:
            out.append(("handovers", "尚未登记移交设施。/ handovers: record what is handed over first."))
    return out


def stage_blockers(delivery: Delivery, to: str) -> list[tuple[str, str]]:
    """The conditions that forbid moving ``delivery`` to ``to`` now, as ``(field, message)`` pairs."""
    return move_blockers(stage_facts(delivery, to), to)


def can_move(user: Any, delivery: Delivery, to: str) -> bool:
    """Whether ``user`` may move ``delivery`` to ``to`` now (role, scope and every condition)."""
    return is_officer_for(user, delivery) and not stage_blockers(delivery, to)


def can_start(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.PRELIMINARY and can_move(user, delivery, Stage.STARTED)


def can_build(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.STARTED and can_move(user, delivery, Stage.CONSTRUCTION)


def can_complete(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.CONSTRUCTION and can_move(user, delivery, Stage.COMPLETED)


def can_suspend(user: Any, delivery: Delivery) -> bool:
    return can_move(user, delivery, Stage.SUSPENDED)


def can_resume(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.SUSPENDED and can_move(user, delivery, delivery.resume_stage)


def can_accept(user: Any, delivery: Delivery) -> bool:
    return can_move(user, delivery, Stage.ACCEPTED)


def can_hand_over(user: Any, delivery: Delivery) -> bool:
    return can_move(user, delivery, Stage.HANDED_OVER)


def _refuse(blockers: list[tuple[str, str]]) -> None:
    if not blockers:
        return
    field, _message = blockers[0]
    message = " ".join(m for _, m in blockers)
    cls = StateError if field == "stage" else ApplicationError
    raise cls(message, field=field, code="illegal_transition" if field == "stage" else "guard")


@transaction.atomic
def delivery_move(
    *,
    actor: Any,
    delivery: Delivery,
    to: str,
    reason: str = "",
    on: Any = None,
) -> Delivery:
    """Move the delivery to stage ``to`` (开工, 在建, 完工, 停工, 复工 to the stage it left, 移交).

    ``on`` is the day the move took effect (default today; not in the future); the 开工 / 完工 counts use its year.
    竣工验收 is recorded with :func:`acceptance_record`, which checks the acceptance itself.
    """
    delivery = _lock(delivery)
    _require_officer(actor, delivery)
    _choice(to, Stage, "stage", "阶段")
    if to == Stage.ACCEPTED:
        raise ApplicationError(
            "竣工验收须通过验收记录登记。/ stage: record the completion acceptance to move to accepted.",
            field="stage",
        )
    day = parse_date(on, "on", required=False) or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError("日期不能晚于今天。/ on: the date must not be in the future.", field="on")
    reason = _text(
        reason, "reason", "原因", required=to == Stage.SUSPENDED or delivery.stage == Stage.SUSPENDED
    )
    _refuse(stage_blockers(delivery, to))
    before = delivery.stage
    delivery.resume_stage = before if to == Stage.SUSPENDED else ""
    delivery.stage_changed_at = timezone.now()
    STAGE_MACHINE.move(
        delivery,
        to=to,
        actor=actor,
        reason=reason,
        changes={"on": day.isoformat(), "resumed": before == Stage.SUSPENDED},
        update_fields=["resume_stage", "stage_changed_at"],
    )
    return delivery
