"""Approvals (审批事项): recording an item as obtained, or simplified or waived by the completed joint
consultation (三(二))."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.audit.services import audit_record
from gaizao.delivery.models import Approval, ApprovalStatus, Stage
from gaizao.delivery.services._common import _required_date, _text, parse_date
from gaizao.delivery.services.permissions import is_officer_for
from gaizao.delivery.uploads import check_document
from gaizao.errors import ApplicationError, PermissionError_
from gaizao.policy import delivery as rules
from gaizao.programme.models import Consultation, ConsultationState


def can_record_approval(user: Any, approval: Approval) -> bool:
    return is_officer_for(user, approval.delivery) and approval.delivery.stage != Stage.HANDED_OVER


def _approval_save(approval: Approval, *, actor: Any, file: Any) -> None:
    """Stamp who recorded the item and when, attach the document if one came, and save."""
    approval.recorded_by = actor
    approval.recorded_at = timezone.now()
    if file is not None:
        approval.file.save(
            f"approval-{approval.delivery_id}-{approval.item_id}-{file.name}", file, save=False
        )
    approval.save()


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
    _approval_save(approval, actor=actor, file=file)
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
    _approval_save(approval, actor=actor, file=file)
    audit_record(
        actor=actor,
        action="delivery.approval.waive",
        obj=approval.delivery,
        changes={"item": approval.item_id, "status": [before, status], "consultation": consultation.pk},
        reason=note,
    )
    return approval
