"""Writes of delivery. Each is one transaction that checks its input and its move, writes, and audits.

The stage lifecycle is :data:`STAGE_MACHINE` (``gaizao.audit.transitions.StateMachine``, audited as
``delivery.stage.<stage>``); rectification orders move on :data:`ORDER_MACHINE`. Each move has a ``can_<move>``
(role, scope and conditions) used by the service, the page (to show the button) and the API; the conditions alone
are listed by :func:`stage_blockers` so a refusal says what is missing.

Every refusal is an :class:`gaizao.errors.ApplicationError` naming the field; nothing is half-written because each
service is one transaction and checks everything before its first write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role
from gaizao.audit.services import audit_record
from gaizao.audit.transitions import StateMachine
from gaizao.delivery import selectors
from gaizao.delivery.models import (
    Acceptance,
    AcceptanceRole,
    AcceptanceSignatory,
    Approval,
    ApprovalStatus,
    Contract,
    ContractKind,
    Delivery,
    Finding,
    Handover,
    HandoverKind,
    Inspection,
    InspectionKind,
    InspectorLevel,
    KeeperKind,
    Milestone,
    OrderState,
    Organisation,
    OrganisationKind,
    OrganisationMember,
    RectificationOrder,
    RectificationReply,
    ReplyDecision,
    Severity,
    Stage,
)
from gaizao.delivery.uploads import check_document, check_photo
from gaizao.errors import ApplicationError, PermissionError_, StateError
from gaizao.policy import delivery as rules
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanState,
    Consultation,
    ConsultationState,
    Project,
    ProjectState,
)

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")  # max_digits=16, decimal_places=2

STAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PRELIMINARY: frozenset({Stage.STARTED, Stage.SUSPENDED}),
    Stage.STARTED: frozenset({Stage.CONSTRUCTION, Stage.SUSPENDED}),
    Stage.CONSTRUCTION: frozenset({Stage.COMPLETED, Stage.SUSPENDED}),
    Stage.COMPLETED: frozenset({Stage.ACCEPTED}),
    Stage.ACCEPTED: frozenset({Stage.HANDED_OVER}),
    Stage.SUSPENDED: frozenset({Stage.PRELIMINARY, Stage.STARTED, Stage.CONSTRUCTION}),
    Stage.HANDED_OVER: frozenset(),
}
STAGE_MACHINE = StateMachine("delivery.stage", Stage, STAGE_TRANSITIONS, field="stage")

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderState.OPEN: frozenset({OrderState.REPLIED}),
    OrderState.REPLIED: frozenset({OrderState.OPEN, OrderState.CLOSED}),
    OrderState.CLOSED: frozenset(),
}
ORDER_MACHINE = StateMachine("delivery.order", OrderState, ORDER_TRANSITIONS)

#: Officers who run delivery inside their division.
OFFICER_ROLES = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})
#: Who inspects, and as which level.
INSPECTOR_LEVEL = {
    Role.STREET_IMPLEMENTER: InspectorLevel.STREET,
    Role.DISTRICT_OFFICER: InspectorLevel.DISTRICT,
    Role.SUPERVISOR: InspectorLevel.SUPERVISOR,
    Role.CITY_COORDINATOR: InspectorLevel.CITY,
}
#: Stages during which the works are inspected.
WORKS_STAGES = frozenset({Stage.STARTED, Stage.CONSTRUCTION, Stage.COMPLETED, Stage.SUSPENDED})
#: Contract kinds that build the works (one is needed before 开工).
BUILDER_KINDS = frozenset({ContractKind.CONSTRUCTION, ContractKind.EPC})
#: The contract each delivery mode of the plan (四(三): EPC, 全过程咨询, 代建; ids from the rule set) calls for.
MODE_CONTRACT = {
    "epc": ContractKind.EPC,
    "full_process_consulting": ContractKind.CONSULTING,
    "agent_construction": ContractKind.AGENCY,
}
UTILITY_KINDS = frozenset(
    {
        ContractKind.UTILITY_WATER,
        ContractKind.UTILITY_POWER,
        ContractKind.UTILITY_GAS,
        ContractKind.UTILITY_TELECOM,
    }
)
#: Who must sign the completion acceptance (residents' representatives: at least one of the two).
ACCEPTANCE_REQUIRED_ROLES = (
    AcceptanceRole.IMPLEMENTING,
    AcceptanceRole.CONTRACTOR,
    AcceptanceRole.SUPERVISOR,
    AcceptanceRole.STREET,
)
RESIDENT_ROLES = frozenset({AcceptanceRole.RESIDENT, AcceptanceRole.BUILDING_LEAD})


# --- input checks ---------------------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _text(value: Any, field: str, label: str, *, max_length: int = 4000, required: bool = True) -> str:
    out = str(value or "").strip()
    if required and not out:
        raise ApplicationError(f"请填写{label}。/ {field} is required.", field=field)
    if len(out) > max_length:
        raise ApplicationError(
            f"{label}不得超过 {max_length} 字。/ {field}: at most {max_length} characters.", field=field
        )
    return out


def parse_amount(value: Any, field: str = "amount") -> Decimal:
    """A yuan amount to the fen: refuses text, negatives, fractions of a fen and amounts too large to store."""
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"金额不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from None
    if not out.is_finite():
        raise ApplicationError(f"金额不是有效数字。/ {field}: not a number: {value!r}.", field=field)
    if out < 0:
        raise ApplicationError(f"金额不能为负数。/ {field} must not be negative.", field=field)
    if out != out.quantize(FEN):
        raise ApplicationError(f"金额须精确到分。/ {field}: at most two decimal places (fen).", field=field)
    if out > MAX_AMOUNT:
        raise ApplicationError(f"金额过大。/ {field} is too large.", field=field)
    return out.quantize(FEN)


def parse_quantity(value: Any, field: str) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            f"数量不是有效数字。/ {field}: not a number: {value!r}.", field=field
        ) from None
    if not out.is_finite() or out < 0:
        raise ApplicationError(f"数量不能为负数。/ {field} must not be negative.", field=field)
    return out


def parse_date(value: Any, field: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ApplicationError(f"请填写日期。/ {field}: a date is required.", field=field)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ApplicationError(
            f"日期格式应为 YYYY-MM-DD。/ {field}: expected a date YYYY-MM-DD, got {value!r}.", field=field
        ) from None


def _required_date(value: Any, field: str) -> dt.date:
    out = parse_date(value, field)
    assert out is not None
    return out


def parse_position(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    if lon in (None, "") and lat in (None, ""):
        return None, None
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ApplicationError("位置坐标无效。/ lon and lat must be numbers.", field="lon") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise ApplicationError("位置坐标超出范围。/ lon, lat: outside WGS84 bounds.", field="lon")
    return x, y


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"请选择有效的{label}。/ {field}: {value!r} is not a valid choice.", field=field
        )
    return str(value)


# --- permissions ----------------------------------------------------------------------------------------------------


def is_officer_for(user: Any, delivery_or_project: Delivery | Project) -> bool:
    """An officer (city, district, street) whose division contains the project."""
    project = (
        delivery_or_project.project if isinstance(delivery_or_project, Delivery) else delivery_or_project
    )
    if user is None or not user.is_authenticated:
        return False
    if user.role not in OFFICER_ROLES:
        return False
    return can_write(user, project.division)


def _require_officer(user: Any, delivery_or_project: Delivery | Project) -> None:
    if not is_officer_for(user, delivery_or_project):
        raise PermissionError_("您无权管理该项目的实施。/ You may not manage the delivery of this project.")


def _supervises(user: Any, delivery: Delivery) -> bool:
    organisation = selectors.party_organisation(user)
    if organisation is None or user.role != Role.SUPERVISOR:
        return False
    return Contract.objects.filter(project_id=delivery.project_id, party=organisation).exists()


# --- organisations --------------------------------------------------------------------------------------------------


def can_manage_organisations(user: Any) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.role in OFFICER_ROLES and user.division_id
    )


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    name: str,
    credit_code: str,
    kind: str,
    contact: str = "",
    phone: str = "",
    is_sample: bool = False,
) -> Organisation:
    """Register a party. The unified social credit code is checked against its GB 32100-2015 check character."""
    if not can_manage_organisations(actor):
        raise PermissionError_("您无权登记参建单位。/ You may not register organisations.")
    name = _text(name, "name", "单位名称", max_length=200)
    code = str(credit_code or "").strip().upper()
    if not rules.is_valid_credit_code(code):
        raise ApplicationError(
            "统一社会信用代码无效（18 位，校验码须符合 GB 32100-2015）。/ credit_code: not a valid unified social "
            "credit code (18 characters with a GB 32100-2015 check character).",
            field="credit_code",
        )
    kind = _choice(kind, OrganisationKind, "kind", "单位类型")
    if Organisation.objects.filter(credit_code=code).exists():
        raise ApplicationError(
            "该统一社会信用代码已登记。/ credit_code: an organisation with this code is already registered.",
            field="credit_code",
        )
    organisation = Organisation.objects.create(
        name=name,
        credit_code=code,
        kind=kind,
        contact=_text(contact, "contact", "联系人", max_length=100, required=False),
        phone=_text(phone, "phone", "联系电话", max_length=20, required=False),
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="delivery.organisation.create", obj=organisation, changes={"kind": kind})
    return organisation


@transaction.atomic
def organisation_member_link(*, actor: Any, user: Any, organisation: Organisation) -> OrganisationMember:
    """Link a contractor, supervisor or designer account to the organisation it speaks for."""
    if not can_manage_organisations(actor):
        raise PermissionError_("您无权管理单位账号。/ You may not link accounts to organisations.")
    if user.role not in (Role.CONTRACTOR, Role.SUPERVISOR, Role.DESIGNER):
        raise ApplicationError(
            "只有施工、监理、设计等参建单位账号可以关联单位。/ user: only contractor, supervisor or designer "
            "accounts are linked to an organisation.",
            field="user",
        )
    member, _ = OrganisationMember.objects.update_or_create(
        user=user, defaults={"organisation": organisation}
    )
    audit_record(
        actor=actor, action="delivery.organisation.member", obj=organisation, changes={"user": user.username}
    )
    return member


# --- delivery and its stages ----------------------------------------------------------------------------------------


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


def delivery_mode(delivery: Delivery) -> str:
    """The delivery mode (EPC, full-process consulting, agent construction) of the project's current plan version."""
    version = approved_plan_version(delivery)
    return str(version.delivery_mode) if version is not None else ""


def stage_blockers(delivery: Delivery, to: str) -> list[tuple[str, str]]:
    """The conditions that forbid moving ``delivery`` to ``to`` now, as ``(field, message)`` pairs."""
    out: list[tuple[str, str]] = []
    if not STAGE_MACHINE.allows(delivery, to):
        out.append(
            (
                "stage",
                f"不能从“{Stage(delivery.stage).label}”转为“{Stage(to).label}”。/ stage: cannot move from "
                f"{delivery.stage} to {to}.",
            )
        )
        return out
    if delivery.stage == Stage.SUSPENDED and to != delivery.resume_stage:
        out.append(
            (
                "stage",
                f"停工后只能恢复到“{Stage(delivery.resume_stage).label}”。/ stage: a suspended delivery resumes to "
                f"{delivery.resume_stage}.",
            )
        )
    if to == Stage.STARTED and delivery.stage == Stage.PRELIMINARY:
        if approved_annual_plan(delivery.project) is None:
            out.append(
                (
                    "annual_plan",
                    "项目尚未列入经市政府批准的年度改造计划，不能开工。/ annual_plan: the project is not in an approved "
                    "annual plan; works cannot start.",
                )
            )
        pending = [a.name for a in delivery.approvals.filter(required=True, status=ApprovalStatus.PENDING)]
        if pending:
            out.append(
                (
                    "approvals",
                    f"以下审批事项尚未办理：{'、'.join(pending)}。/ approvals: required approvals are not recorded "
                    f"({len(pending)}).",
                )
            )
        kinds = set(Contract.objects.filter(project_id=delivery.project_id).values_list("kind", flat=True))
        if not kinds & BUILDER_KINDS:
            out.append(
                (
                    "contracts",
                    "尚未登记施工或工程总承包合同。/ contracts: no construction or EPC contract is recorded.",
                )
            )
        mode = delivery_mode(delivery)
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
        n = selectors.open_orders(delivery).count()
        if n:
            out.append(
                (
                    "orders",
                    f"尚有 {n} 项整改未销号，不能竣工验收。/ orders: {n} rectification order(s) still open; "
                    "completion acceptance is refused.",
                )
            )
    if to == Stage.HANDED_OVER and not delivery.handovers.exists():
        out.append(("handovers", "尚未登记移交设施。/ handovers: record what is handed over first."))
    return out


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


def _lock(delivery: Delivery) -> Delivery:
    return Delivery.objects.select_for_update().select_related("project__division").get(pk=delivery.pk)


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


# --- approvals ------------------------------------------------------------------------------------------------------


def can_record_approval(user: Any, approval: Approval) -> bool:
    return is_officer_for(user, approval.delivery) and approval.delivery.stage != Stage.HANDED_OVER


@transaction.atomic
def approval_record(
    *,
    actor: Any,
    approval: Approval,
    document_number: str,
    issued_on: Any,
    file: Any = None,
    note: str = "",
) -> Approval:
    """Record an approval item as obtained: document number, date and the attached document."""
    approval = (
        Approval.objects.select_for_update().select_related("delivery__project__division").get(pk=approval.pk)
    )
    if not can_record_approval(actor, approval):
        raise PermissionError_("您无权登记该审批事项。/ You may not record this approval.")
    number = _text(document_number, "document_number", "文号", max_length=100)
    day = _required_date(issued_on, "issued_on")
    if day > timezone.localdate():
        raise ApplicationError(
            "批准日期不能晚于今天。/ issued_on must not be in the future.", field="issued_on"
        )
    check_document(file, field="file")
    if file is None and not approval.file:
        raise ApplicationError("请上传批复文件。/ file: attach the approval document.", field="file")
    before = approval.status
    approval.status = ApprovalStatus.RECORDED
    approval.document_number = number
    approval.issued_on = day
    approval.note = _text(note, "note", "说明", required=False)
    approval.consultation = None
    approval.recorded_by = actor
    approval.recorded_at = timezone.now()
    if file is not None:
        approval.file.save(
            f"approval-{approval.delivery_id}-{approval.item_id}-{file.name}", file, save=False
        )
    approval.save()
    audit_record(
        actor=actor,
        action="delivery.approval.record",
        obj=approval.delivery,
        changes={"item": approval.item_id, "status": [before, approval.status], "document_number": number},
    )
    return approval


def consultation_simplifications(consultation: Consultation) -> str:
    """What the consultation's opinions say about simplified approvals, department by department."""
    from gaizao.programme.rules import department_names

    names = department_names()
    parts = [
        f"{names.get(o.department, o.department)}：{o.simplified_approvals.strip()}"
        for o in consultation.opinions.all()
        if o.simplified_approvals.strip()
    ]
    return "；".join(parts)


@transaction.atomic
def approval_waive(
    *,
    actor: Any,
    approval: Approval,
    consultation: Consultation,
    status: str = ApprovalStatus.WAIVED,
    note: str = "",
    document_number: str = "",
    issued_on: Any = None,
    file: Any = None,
) -> Approval:
    """Mark an item simplified or waived by the project's completed joint consultation, citing it (三(二))."""
    approval = (
        Approval.objects.select_for_update().select_related("delivery__project__division").get(pk=approval.pk)
    )
    if not can_record_approval(actor, approval):
        raise PermissionError_("您无权登记该审批事项。/ You may not record this approval.")
    if status not in (ApprovalStatus.SIMPLIFIED, ApprovalStatus.WAIVED):
        raise ApplicationError("请选择“简化”或“免于办理”。/ status: simplified or waived.", field="status")
    item = {i.id: i for i in rules.approval_items(timezone.localdate())}.get(approval.item_id)
    if item is not None and not item.simplifiable:
        raise ApplicationError(
            f"“{approval.name}”不能由会商简化或免于办理。/ status: {approval.item_id} cannot be simplified or waived.",
            field="status",
        )
    if consultation.project_id != approval.delivery.project_id:
        raise ApplicationError(
            "请引用本项目的联合会商。/ consultation: cite this project's joint consultation.",
            field="consultation",
        )
    if consultation.state != ConsultationState.COMPLETED:
        raise ApplicationError(
            "引用的联合会商尚未完成。/ consultation: the cited consultation is not completed.",
            field="consultation",
        )
    note = _text(note, "note", "说明", required=False) or consultation_simplifications(consultation)
    if not note:
        raise ApplicationError(
            "请写明会商意见中简化或免于办理的依据。/ note: state what the consultation decided for this item.",
            field="note",
        )
    day = parse_date(issued_on, "issued_on", required=False)
    check_document(file, field="file")
    before = approval.status
    approval.status = status
    approval.consultation = consultation
    approval.note = note
    approval.document_number = _text(
        document_number, "document_number", "文号", max_length=100, required=False
    )
    approval.issued_on = day
    approval.recorded_by = actor
    approval.recorded_at = timezone.now()
    if file is not None:
        approval.file.save(
            f"approval-{approval.delivery_id}-{approval.item_id}-{file.name}", file, save=False
        )
    approval.save()
    audit_record(
        actor=actor,
        action="delivery.approval.waive",
        obj=approval.delivery,
        changes={"item": approval.item_id, "status": [before, status], "consultation": consultation.pk},
        reason=note,
    )
    return approval


# --- contracts ------------------------------------------------------------------------------------------------------


def can_add_contract(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage != Stage.HANDED_OVER


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    number: str,
    party: Organisation | None,
    amount: Any,
    signed_on: Any,
    starts_on: Any,
    ends_on: Any,
    title: str = "",
    is_sample: bool = False,
) -> Contract:
    """Record a contract of the project: kind, unique number, party, amount to the fen, dates in order."""
    if not can_add_contract(actor, delivery):
        raise PermissionError_("您无权登记该项目的合同。/ You may not record contracts of this project.")
    kind = _choice(kind, ContractKind, "kind", "合同类型")
    number = _text(number, "number", "合同编号", max_length=60)
    if party is None:
        raise ApplicationError("请选择承接单位。/ party is required.", field="party")
    if kind in UTILITY_KINDS and party.kind != OrganisationKind.UTILITY:
        raise ApplicationError(
            "管线子工程的承接单位须为管线单位。/ party: a pipeline sub-works contract goes to a utility.",
            field="party",
        )
    value = parse_amount(amount, "amount")
    signed = _required_date(signed_on, "signed_on")
    starts = _required_date(starts_on, "starts_on")
    ends = _required_date(ends_on, "ends_on")
    if starts < signed:
        raise ApplicationError(
            "开始日期不能早于签订日期。/ starts_on must not be before signed_on.", field="starts_on"
        )
    if ends < starts:
        raise ApplicationError(
            "结束日期不能早于开始日期。/ ends_on must not be before starts_on.", field="ends_on"
        )
    if Contract.objects.filter(number=number).exists():
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        )
    try:
        with transaction.atomic():
            contract = Contract.objects.create(
                project=delivery.project,
                kind=kind,
                number=number,
                title=_text(title, "title", "合同名称", max_length=200, required=False),
                party=party,
                amount=value,
                signed_on=signed,
                starts_on=starts,
                ends_on=ends,
                created_by=actor,
                is_sample=is_sample,
            )
    except IntegrityError:
        raise ApplicationError(
            "合同编号已存在。/ number: a contract with this number exists.", field="number"
        ) from None
    audit_record(
        actor=actor,
        action="delivery.contract.create",
        obj=delivery,
        changes={"contract": number, "kind": kind, "party": party.name, "amount": str(value)},
    )
    return contract


# --- schedule -------------------------------------------------------------------------------------------------------


def can_plan(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage != Stage.HANDED_OVER


@transaction.atomic
def milestone_add(
    *, actor: Any, delivery: Delivery, name: str, planned_start: Any, planned_end: Any
) -> Milestone:
    if not can_plan(actor, delivery):
        raise PermissionError_("您无权编排该项目的进度。/ You may not plan this project's schedule.")
    name = _text(name, "name", "节点名称", max_length=100)
    start = _required_date(planned_start, "planned_start")
    end = _required_date(planned_end, "planned_end")
    if end < start:
        raise ApplicationError(
            "计划完成不能早于计划开始。/ planned_end must not be before planned_start.", field="planned_end"
        )
    milestone = Milestone.objects.create(
        delivery=delivery, name=name, planned_start=start, planned_end=end, order=delivery.milestones.count()
    )
    audit_record(
        actor=actor,
        action="delivery.milestone.add",
        obj=delivery,
        changes={"milestone": name, "planned": [start.isoformat(), end.isoformat()]},
    )
    return milestone


@transaction.atomic
def milestone_progress(
    *, actor: Any, milestone: Milestone, actual_start: Any, actual_end: Any = None
) -> Milestone:
    """Record the actual start (and end) of a milestone; dates in order and not in the future."""
    milestone = (
        Milestone.objects.select_for_update()
        .select_related("delivery__project__division")
        .get(pk=milestone.pk)
    )
    if not can_plan(actor, milestone.delivery):
        raise PermissionError_("您无权登记该项目的进度。/ You may not record this project's progress.")
    start = _required_date(actual_start, "actual_start")
    end = parse_date(actual_end, "actual_end", required=False)
    today = timezone.localdate()
    if start > today:
        raise ApplicationError(
            "实际开始不能晚于今天。/ actual_start must not be in the future.", field="actual_start"
        )
    if end is not None and end < start:
        raise ApplicationError(
            "实际完成不能早于实际开始。/ actual_end must not be before actual_start.", field="actual_end"
        )
    if end is not None and end > today:
        raise ApplicationError(
            "实际完成不能晚于今天。/ actual_end must not be in the future.", field="actual_end"
        )
    milestone.actual_start = start
    milestone.actual_end = end
    milestone.save(update_fields=["actual_start", "actual_end"])
    audit_record(
        actor=actor,
        action="delivery.milestone.progress",
        obj=milestone.delivery,
        changes={
            "milestone": milestone.name,
            "actual": [start.isoformat(), end.isoformat() if end else None],
        },
    )
    return milestone


# --- inspections, findings, rectification ---------------------------------------------------------------------------


def inspector_level(user: Any, delivery: Delivery) -> str | None:
    """The level ``user`` inspects ``delivery`` as (street, district, supervisor, city), or None."""
    if user is None or not user.is_authenticated:
        return None
    level = INSPECTOR_LEVEL.get(user.role)
    if level is None:
        return None
    if user.role == Role.SUPERVISOR:
        return level if _supervises(user, delivery) else None
    return level if is_officer_for(user, delivery) else None


def can_inspect(user: Any, delivery: Delivery) -> bool:
    return delivery.stage in WORKS_STAGES and inspector_level(user, delivery) is not None


def checklist_results(kind: str, results: dict[str, Any] | None) -> dict[str, str]:
    """The checklist answers of an inspection of ``kind``: known items only, each pass, fail or na."""
    known = {item.id for item in rules.inspection_checklist(kind, timezone.localdate())}
    out: dict[str, str] = {}
    for key, value in (results or {}).items():
        if key not in known:
            raise ApplicationError(
                f"检查项“{key}”不在检查表中。/ checklist: unknown item {key!r}.", field="checklist"
            )
        if value in ("", None):
            continue
        if value not in ("pass", "fail", "na"):
            raise ApplicationError(
                f"检查项“{key}”的结果无效。/ checklist.{key}: expected pass, fail or na.", field="checklist"
            )
        out[key] = str(value)
    return out


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    checklist: dict[str, Any] | None = None,
    note: str = "",
    lon: Any = None,
    lat: Any = None,
    findings: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """Record an inspection (from a phone) with its checklist and findings; a finding may raise an order.

    ``findings``: ``[{"description", "severity", "photo", "lon", "lat", "checklist_item", "order": {"party",
    "deadline", "requirement"} | None}]``. Everything is checked before anything is written.
    """
    delivery = _lock(delivery)
    level = inspector_level(actor, delivery)
    if level is None:
        raise PermissionError_("您无权检查该项目。/ You may not inspect this project.")
    if delivery.stage not in WORKS_STAGES:
        raise StateError(
            "项目不在施工阶段，不能检查。/ stage: the works are not under way; nothing to inspect.",
            field="stage",
        )
    kind = _choice(kind, InspectionKind, "kind", "检查类型")
    results = checklist_results(kind, checklist)
    x, y = parse_position(lon, lat)
    prepared = [prepare_finding(delivery, kind, f, index=i, now=now) for i, f in enumerate(findings or [])]
    inspection = Inspection.objects.create(
        delivery=delivery,
        kind=kind,
        level=level,
        inspector=actor,
        inspected_at=_now(now),
        checklist=results,
        note=_text(note, "note", "说明", required=False),
        lon=x,
        lat=y,
    )
    audit_record(
        actor=actor,
        action="delivery.inspection.record",
        obj=delivery,
        changes={"inspection": inspection.pk, "kind": kind, "level": level, "findings": len(prepared)},
    )
    for data in prepared:
        write_finding(actor, inspection, data, now=now)
    return inspection


def prepare_finding(
    delivery: Delivery, kind: str, data: dict[str, Any], *, index: int, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Check one finding (and its order) before anything is written; the result goes to :func:`write_finding`.

    ``now`` is when the inspection took place (default now): an order's default deadline counts from that day."""
    prefix = f"findings[{index}]." if index >= 0 else ""
    description = _text(data.get("description"), f"{prefix}description", "问题描述")
    severity = _choice(data.get("severity"), Severity, f"{prefix}severity", "严重程度")
    item = str(data.get("checklist_item") or "")
    if item and item not in {i.id for i in rules.inspection_checklist(kind, timezone.localdate())}:
        raise ApplicationError(
            f"检查项“{item}”不在检查表中。/ {prefix}checklist_item: unknown item.",
            field=f"{prefix}checklist_item",
        )
    photo = data.get("photo")
    check_photo(photo, field=f"{prefix}photo")
    x, y = parse_position(data.get("lon"), data.get("lat"))
    order = data.get("order")
    prepared_order = (
        _prepare_order(delivery, severity, order, prefix=f"{prefix}order.", now=now) if order else None
    )
    return {
        "description": description,
        "severity": severity,
        "checklist_item": item,
        "photo": photo,
        "lon": x,
        "lat": y,
        "order": prepared_order,
        "report": data.get("report"),
    }


def _prepare_order(
    delivery: Delivery,
    severity: str,
    data: dict[str, Any],
    *,
    prefix: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    party = data.get("party")
    if not isinstance(party, Organisation):
        raise ApplicationError(
            "请选择整改责任单位。/ party: choose the responsible party.", field=f"{prefix}party"
        )
    if not selectors.project_parties(delivery).filter(pk=party.pk).exists():
        raise ApplicationError(
            "责任单位须为本项目的合同单位。/ party: the responsible party must hold a contract on this project.",
            field=f"{prefix}party",
        )
    today = timezone.localdate(_now(now))
    deadline = parse_date(data.get("deadline"), f"{prefix}deadline", required=False)
    if deadline is None:
        days = rules.rectification_rules(today).days.get(severity, 7)
        deadline = today + dt.timedelta(days=days)
    if deadline < today:
        raise ApplicationError(
            "整改期限不能早于今天。/ deadline must not be before today.", field=f"{prefix}deadline"
        )
    return {
        "party": party,
        "deadline": deadline,
        "requirement": _text(data.get("requirement"), f"{prefix}requirement", "整改要求", required=False),
    }


def write_finding(
    actor: Any, inspection: Inspection, data: dict[str, Any], *, now: dt.datetime | None
) -> Finding:
    finding = Finding(
        inspection=inspection,
        checklist_item=data["checklist_item"],
        description=data["description"],
        severity=data["severity"],
        lon=data["lon"],
        lat=data["lat"],
        report=data.get("report"),
        created_by=actor,
    )
    photo = data.get("photo")
    if photo is not None:
        finding.photo.save(f"finding-{inspection.delivery_id}-{photo.name}", photo, save=False)
    finding.save()
    audit_record(
        actor=actor,
        action="delivery.finding.add",
        obj=inspection.delivery,
        changes={"finding": finding.pk, "severity": finding.severity, "report": finding.report_id},
    )
    if data.get("order"):
        _write_order(actor, finding, data["order"], now=now)
    return finding


def _write_order(
    actor: Any, finding: Finding, data: dict[str, Any], *, now: dt.datetime | None
) -> RectificationOrder:
    order = RectificationOrder.objects.create(
        finding=finding,
        delivery=finding.inspection.delivery,
        party=data["party"],
        deadline=data["deadline"],
        requirement=data["requirement"],
        issued_by=actor,
        issued_at=_now(now),
    )
    audit_record(
        actor=actor,
        action="delivery.order.issue",
        obj=order,
        changes={
            "state": [None, OrderState.OPEN],
            "party": order.party.name,
            "deadline": order.deadline.isoformat(),
        },
    )
    return order


def can_issue_order(user: Any, finding: Finding) -> bool:
    return not hasattr(finding, "order") and inspector_level(user, finding.inspection.delivery) is not None


@transaction.atomic
def order_issue(
    *, actor: Any, finding: Finding, party: Organisation | None, deadline: Any = None, requirement: str = ""
) -> RectificationOrder:
    """Raise a rectification order on a finding that has none."""
    finding = (
        Finding.objects.select_for_update()
        .select_related("inspection__delivery__project__division")
        .get(pk=finding.pk)
    )
    if RectificationOrder.objects.filter(finding=finding).exists():
        raise StateError("该问题已下发整改通知。/ finding: an order was already issued.", field="finding")
    if not can_issue_order(actor, finding):
        raise PermissionError_("您无权下发整改通知。/ You may not issue rectification orders here.")
    data = _prepare_order(
        finding.inspection.delivery,
        finding.severity,
        {"party": party, "deadline": deadline, "requirement": requirement},
    )
    return _write_order(actor, finding, data, now=None)


def can_reply(user: Any, order: RectificationOrder) -> bool:
    organisation = selectors.party_organisation(user)
    return (
        organisation is not None
        and organisation.pk == order.party_id
        and ORDER_MACHINE.allows(order, OrderState.REPLIED)
    )


@transaction.atomic
def order_reply(
    *,
    actor: Any,
    order: RectificationOrder,
    body: str,
    evidence: Any = None,
    now: dt.datetime | None = None,
) -> RectificationReply:
    """The responsible party answers an order with what it did and a photo of it (``now``: when, default now)."""
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    organisation = selectors.party_organisation(actor)
    if organisation is None or organisation.pk != order.party_id:
        raise PermissionError_(
            "只有责任单位可以回复整改通知。/ Only the responsible party may answer this order."
        )
    ORDER_MACHINE.check(order, OrderState.REPLIED)
    text = _text(body, "body", "整改情况")
    check_photo(evidence, field="evidence", required=True)
    reply = RectificationReply(order=order, body=text, replied_by=actor, replied_at=_now(now))
    reply.evidence.save(f"reply-{order.pk}-{evidence.name}", evidence, save=False)
    reply.save()
    ORDER_MACHINE.move(order, to=OrderState.REPLIED, actor=actor, reason=text, changes={"reply": reply.pk})
    return reply


def can_review(user: Any, order: RectificationOrder) -> bool:
    return order.state == OrderState.REPLIED and inspector_level(user, order.delivery) is not None


@transaction.atomic
def order_review(
    *, actor: Any, order: RectificationOrder, accept: bool, note: str = "", now: dt.datetime | None = None
) -> RectificationOrder:
    """The inspector accepts the reply (the order is closed) or rejects it (back to the party, with a reason);
    ``now`` is when (default now)."""
    order = (
        RectificationOrder.objects.select_for_update()
        .select_related("delivery__project__division")
        .get(pk=order.pk)
    )
    if inspector_level(actor, order.delivery) is None:
        raise PermissionError_("您无权复查该整改。/ You may not review this order.")
    to = OrderState.CLOSED if accept else OrderState.OPEN
    ORDER_MACHINE.check(order, to)
    note = _text(note, "note", "复查意见", required=not accept)
    reply = order.replies.filter(decision=ReplyDecision.PENDING).order_by("-replied_at", "-id").first()
    if reply is not None:
        reply.decision = ReplyDecision.ACCEPTED if accept else ReplyDecision.REJECTED
        reply.decision_note = note
        reply.decided_by = actor
        reply.decided_at = _now(now)
        reply.save()
    if accept:
        order.closed_at = _now(now)
    ORDER_MACHINE.move(order, to=to, actor=actor, reason=note, update_fields=["closed_at"])
    finding = order.finding
    if accept and finding.report_id is not None:
        _report_outcome(actor, finding, note)
    return order


@transaction.atomic
def orders_escalate(*, today: dt.date | None = None, user: Any = None) -> int:
    """Escalate to the district every order past its deadline (plus the rule set's grace) and not closed.

    Run by the ``delivery.escalate_overdue`` job (for ``user``'s scope) or for the whole city with ``user=None``;
    returns how many orders it escalated. Each escalation is audited (actor: system).
    """
    today = today or timezone.localdate()
    grace = rules.rectification_rules(today).escalate_after_days
    due = (
        RectificationOrder.objects.select_for_update()
        .exclude(state=OrderState.CLOSED)
        .filter(escalated_at__isnull=True, deadline__lt=today - dt.timedelta(days=grace))
    )
    if user is not None:
        due = due.filter(pk__in=selectors.orders_for(user).values("pk"))
    n = 0
    for order in due:
        order.escalated_at = timezone.now()
        order.save(update_fields=["escalated_at"])
        audit_record(
            actor=None,
            action="delivery.order.escalate",
            obj=order,
            changes={"deadline": order.deadline.isoformat(), "to": "district"},
            reason="整改逾期，上报区县 / overdue; escalated to the district",
        )
        n += 1
    return n


# --- residents' reports (报事) ----------------------------------------------------------------------------------------


def can_convert_report(user: Any, delivery: Delivery, report: Any) -> bool:
    if inspector_level(user, delivery) is None or user.role == Role.SUPERVISOR:
        return False
    if hasattr(report, "delivery_finding"):
        return False
    return delivery.project.communities.filter(pk=report.community_id).exists()


@transaction.atomic
def finding_from_report(
    *,
    actor: Any,
    delivery: Delivery,
    report: Any,
    kind: str,
    severity: str,
    party: Organisation | None = None,
    deadline: Any = None,
    requirement: str = "",
) -> Finding:
    """Turn a resident's 报事 on the project's community into a finding (and an order); the resident is answered."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_respond

    delivery = _lock(delivery)
    if not delivery.project.communities.filter(pk=report.community_id).exists():
        raise ApplicationError(
            "该报事不属于本项目的小区。/ report: the report is not about this project's communities.",
            field="report",
        )
    if Finding.objects.filter(report=report).exists():
        raise StateError("该报事已转为检查问题。/ report: it is already a finding.", field="report")
    if not can_convert_report(actor, delivery, report):
        raise PermissionError_("您无权将报事转为检查问题。/ You may not turn this report into a finding.")
    data = {
        "description": f"居民报事：{report.description}",
        "severity": severity,
        "lon": report.lon,
        "lat": report.lat,
        "report": report,
        "order": {"party": party, "deadline": deadline, "requirement": requirement}
        if party is not None
        else None,
    }
    inspection = inspection_record(
        actor=actor,
        delivery=delivery,
        kind=kind,
        note=f"居民报事 #{report.pk} 转办 / resident report #{report.pk}",
        findings=[data],
    )
    finding = inspection.findings.get()
    if report.status == ReportStatus.OPEN:
        report_respond(
            actor=actor,
            report_id=report.pk,
            response="已转为施工检查问题并督促整改，整改结果将在此告知。/ Turned into an inspection finding; the "
            "outcome of the rectification will be posted here.",
        )
    return finding


def _report_outcome(actor: Any, finding: Finding, note: str) -> None:
    """Tell the resident the outcome: close the report through participation's own service when allowed."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.services import report_close

    report = finding.report
    if report is None or report.status != ReportStatus.RESPONDED:
        return
    if not can_write(actor, report.community.division):
        return
    report_close(
        actor=actor, report_id=report.pk, note=f"整改已复查通过 / rectification accepted. {note}".strip()
    )


# --- completion acceptance (竣工验收) ---------------------------------------------------------------------------------


def approved_plan_version(delivery: Delivery) -> Any:
    plan = getattr(delivery.project, "plan", None)
    return plan.current_version if plan is not None else None


@transaction.atomic
def acceptance_record(
    *,
    actor: Any,
    delivery: Delivery,
    held_on: Any,
    items: list[dict[str, Any]],
    signatories: list[dict[str, Any]],
    conclusion: str,
) -> Acceptance:
    """Record the joint completion acceptance item by item against the approved plan version; moves to 竣工验收.

    ``items``: ``[{"item_id", "delivered", "passed", "note"}]`` covering every item of the plan version.
    ``signatories``: ``[{"role", "name", "organisation"}]`` with the implementing body, contractor, supervisor,
    street and at least one resident representative or building lead.
    """
    delivery = _lock(delivery)
    _require_officer(actor, delivery)
    _refuse(stage_blockers(delivery, Stage.ACCEPTED))
    version = approved_plan_version(delivery)
    if version is None:
        raise ApplicationError(
            "项目没有改造方案版本。/ plan_version: the project has no plan version.", field="items"
        )
    day = _required_date(held_on, "held_on")
    if day > timezone.localdate():
        raise ApplicationError("验收日期不能晚于今天。/ held_on must not be in the future.", field="held_on")
    conclusion = _text(conclusion, "conclusion", "验收结论")
    given = {str(row.get("item_id")): row for row in items or []}
    rows = []
    for i, planned in enumerate(version.items):
        item_id = planned["item_id"]
        row = given.pop(item_id, None)
        if row is None:
            raise ApplicationError(
                f"缺少改造内容“{planned.get('name_zh', item_id)}”的验收结果。/ items: {item_id} is not assessed.",
                field=f"items[{i}]",
            )
        delivered = parse_quantity(row.get("delivered"), f"items[{i}].delivered")
        rows.append(
            {
                "item_id": item_id,
                "name": planned.get("name_zh", item_id),
                "unit": planned.get("unit", ""),
                "planned": str(planned.get("quantity", "0")),
                "delivered": str(delivered),
                "passed": bool(row.get("passed")),
                "note": str(row.get("note") or "")[:500],
            }
        )
    if given:
        raise ApplicationError(
            f"验收内容不在批准的方案中：{'、'.join(sorted(given))}。/ items: not in the approved plan.",
            field="items",
        )
    people = []
    for i, person in enumerate(signatories or []):
        role = _choice(person.get("role"), AcceptanceRole, f"signatories[{i}].role", "参加方")
        name = _text(person.get("name"), f"signatories[{i}].name", "姓名", max_length=100)
        people.append((role, name, str(person.get("organisation") or "")[:200]))
    roles = {p[0] for p in people}
    missing = [
        str(AcceptanceRole(r).label).split(" / ")[0] for r in ACCEPTANCE_REQUIRED_ROLES if r not in roles
    ]
    if not roles & RESIDENT_ROLES:
        missing.append("居民代表或楼道长")
    if missing:
        raise ApplicationError(
            f"联合验收缺少：{'、'.join(missing)}。/ signatories: the joint acceptance needs the implementing body, "
            "contractor, supervisor, street and resident representatives.",
            field="signatories",
        )
    acceptance = Acceptance.objects.create(
        delivery=delivery,
        plan_version=version,
        held_on=day,
        items=rows,
        conclusion=conclusion,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    for order, (role, name, organisation) in enumerate(people):
        AcceptanceSignatory.objects.create(
            acceptance=acceptance, role=role, name=name, organisation=organisation, order=order
        )
    delivery.stage_changed_at = timezone.now()
    STAGE_MACHINE.move(
        delivery,
        to=Stage.ACCEPTED,
        actor=actor,
        reason=conclusion,
        changes={"on": day.isoformat(), "acceptance": acceptance.pk, "plan_version": version.number},
        update_fields=["stage_changed_at"],
    )
    return acceptance


# --- handover (移交) --------------------------------------------------------------------------------------------------


def can_record_handover(user: Any, delivery: Delivery) -> bool:
    return is_officer_for(user, delivery) and delivery.stage == Stage.ACCEPTED


@transaction.atomic
def handover_record(
    *,
    actor: Any,
    delivery: Delivery,
    kind: str,
    facility: str,
    keeper_kind: str,
    keeper_name: str = "",
    keeper: Organisation | None = None,
    property_rights_note: str,
    handed_on: Any,
) -> Handover:
    """Record a facility or pipeline handed to its keeper, with the property-rights note (三(四))."""
    delivery = _lock(delivery)
    if not can_record_handover(actor, delivery):
        if delivery.stage != Stage.ACCEPTED:
            raise StateError(
                "竣工验收后才能移交。/ stage: hand over after the completion acceptance.", field="stage"
            )
        raise PermissionError_("您无权登记移交。/ You may not record handovers.")
    kind = _choice(kind, HandoverKind, "kind", "类型")
    facility = _text(facility, "facility", "设施名称", max_length=200)
    keeper_kind = _choice(keeper_kind, KeeperKind, "keeper_kind", "接收方类型")
    name = _text(keeper_name or (keeper.name if keeper else ""), "keeper_name", "接收方名称", max_length=200)
    note = _text(property_rights_note, "property_rights_note", "产权说明")
    day = _required_date(handed_on, "handed_on")
    if day > timezone.localdate():
        raise ApplicationError(
            "移交日期不能晚于今天。/ handed_on must not be in the future.", field="handed_on"
        )
    acceptance = getattr(delivery, "acceptance", None)
    if acceptance is not None and day < acceptance.held_on:
        raise ApplicationError(
            "移交日期不能早于竣工验收日期。/ handed_on must not be before the acceptance.", field="handed_on"
        )
    handover = Handover.objects.create(
        delivery=delivery,
        kind=kind,
        facility=facility,
        keeper_kind=keeper_kind,
        keeper=keeper,
        keeper_name=name,
        property_rights_note=note,
        handed_on=day,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="delivery.handover.record",
        obj=delivery,
        changes={"facility": facility, "keeper": name, "keeper_kind": keeper_kind},
        reason=note,
    )
    return handover
