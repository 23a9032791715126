"""Needs surveys (问需) and satisfaction evaluations (六有)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from gaizao.accounts.models import User
from gaizao.audit.services import audit_record
from gaizao.errors import ApplicationError, NotFoundError, StateError
from gaizao.participation.models import (
    EvaluationResponse,
    EvaluationSurvey,
    NeedsResponse,
    NeedsSurvey,
    SurveyStatus,
)
from gaizao.participation.services._common import _community_for_write, _require_owner_in
from gaizao.policy import PolicyInputError, catalogue_item, catalogue_items, liuyou_goals


@transaction.atomic
def needs_survey_create(
    *,
    actor: User,
    community_id: int,
    title: str,
    item_ids: list[str] | None = None,
    max_choices: int = 5,
    is_sample: bool = False,
) -> NeedsSurvey:
    community = _community_for_write(actor, community_id)
    ids = list(item_ids) if item_ids else [i.id for i in catalogue_items()]
    for item_id in ids:
        try:
            catalogue_item(item_id)
        except PolicyInputError:
            raise ApplicationError(
                f"改造内容 {item_id} 不在目录中。/ item_ids: unknown item {item_id}.", field="item_ids"
            ) from None
    if len(set(ids)) != len(ids):
        raise ApplicationError("改造内容重复。/ item_ids: duplicates.", field="item_ids")
    if not 1 <= int(max_choices) <= len(ids):
        raise ApplicationError(
            "最多选择数须在 1 与备选项数之间。/ max_choices out of range.", field="max_choices"
        )
    title = (title or "").strip() or f"{community.name} 改造需求调查"
    survey = NeedsSurvey.objects.create(
        community=community,
        title=title[:200],
        item_ids=ids,
        max_choices=int(max_choices),
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="needs_survey_create", obj=survey, changes={"items": [None, len(ids)]})
    return survey


@transaction.atomic
def needs_response_submit(
    *, actor: User, survey_id: int, ranking: list[str], comment: str = ""
) -> NeedsResponse:
    """An owner's choices, most wanted first (resubmitting replaces the earlier answer)."""
    survey = NeedsSurvey.objects.select_related("community__division").filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("调查不存在。/ Survey not found.")
    owner = _require_owner_in(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("调查已结束。/ The survey is closed.", field="status")
    ranking = [str(i) for i in ranking]
    if not ranking:
        raise ApplicationError("请至少选择一项。/ ranking: choose at least one item.", field="ranking")
    if len(set(ranking)) != len(ranking):
        raise ApplicationError("同一项只能选一次。/ ranking: an item appears twice.", field="ranking")
    unknown = [i for i in ranking if i not in survey.item_ids]
    if unknown:
        raise ApplicationError(
            f"不在调查中的选项：{', '.join(unknown)}。/ ranking: not in this survey.", field="ranking"
        )
    if len(ranking) > survey.max_choices:
        raise ApplicationError(
            f"最多选择 {survey.max_choices} 项。/ ranking: at most {survey.max_choices} items.",
            field="ranking",
        )
    response, created = NeedsResponse.objects.update_or_create(
        survey=survey, owner=owner, defaults={"ranking": ranking, "comment": (comment or "")[:2000]}
    )
    audit_record(actor=actor, action="needs_response", obj=survey, changes={"ranking": [None, len(ranking)]})
    return response


@transaction.atomic
def needs_survey_close(*, actor: User, survey_id: int) -> NeedsSurvey:
    survey = NeedsSurvey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("调查不存在。/ Survey not found.")
    _community_for_write(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("调查已结束。/ The survey is already closed.", field="status")
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="needs_survey_close", obj=survey, changes={"status": ["open", "closed"]})
    return survey


@transaction.atomic
def evaluation_create(
    *, actor: User, community_id: int, title: str = "", project_ref: str = "", is_sample: bool = False
) -> EvaluationSurvey:
    community = _community_for_write(actor, community_id)
    survey = EvaluationSurvey.objects.create(
        community=community,
        title=((title or "").strip() or f"{community.name} 改造满意度评价")[:200],
        project_ref=(project_ref or "")[:60],
        created_by=actor,
        is_sample=is_sample,
    )
    audit_record(actor=actor, action="evaluation_create", obj=survey)
    return survey


@transaction.atomic
def evaluation_respond(
    *, actor: User, survey_id: int, scores: dict[str, int], comment: str = ""
) -> EvaluationResponse:
    survey = EvaluationSurvey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("评价不存在。/ Evaluation not found.")
    owner = _require_owner_in(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("评价已结束。/ The evaluation is closed.", field="status")
    goals = {g.id for g in liuyou_goals()}
    clean: dict[str, int] = {}
    for goal, score in (scores or {}).items():
        if goal not in goals:
            raise ApplicationError(f"未知的六有目标 {goal}。/ scores: unknown goal {goal}.", field="scores")
        try:
            value = int(score)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise ApplicationError(f"{goal} 的评分须为 1 至 5。/ scores.{goal} must be 1..5.", field="scores")
        clean[goal] = value
    if not clean:
        raise ApplicationError("请至少评价一项。/ scores: rate at least one goal.", field="scores")
    response, _ = EvaluationResponse.objects.update_or_create(
        survey=survey, owner=owner, defaults={"scores": clean, "comment": (comment or "")[:2000]}
    )
    audit_record(actor=actor, action="evaluation_respond", obj=survey)
    return response


def evaluation_summary(survey: EvaluationSurvey) -> dict[str, Any]:
    """Mean score (1..5) and satisfaction share (score ≥ 4) per 六有 goal."""
    rows = list(survey.responses.values_list("scores", flat=True))
    goals = []
    all_scores: list[int] = []
    for goal in liuyou_goals():
        values = [int(r[goal.id]) for r in rows if goal.id in r]
        all_scores += values
        goals.append(
            {
                "goal": goal.id,
                "name_zh": goal.name_zh,
                "name_en": goal.name_en,
                "clause": goal.clause,
                "responses": len(values),
                "mean": round(sum(values) / len(values), 2) if values else None,
                "satisfied_share": round(sum(1 for v in values if v >= 4) / len(values), 4)
                if values
                else None,
            }
        )
    return {
        "responses": len(rows),
        "goals": goals,
        "overall_mean": round(sum(all_scores) / len(all_scores), 2) if all_scores else None,
        "overall_satisfied_share": (
            round(sum(1 for v in all_scores if v >= 4) / len(all_scores), 4) if all_scores else None
        ),
    }


@transaction.atomic
def evaluation_close(*, actor: User, survey_id: int) -> EvaluationSurvey:
    """Close the evaluation and store its results for the performance evaluation."""
    survey = EvaluationSurvey.objects.select_for_update().filter(pk=survey_id).first()
    if survey is None:
        raise NotFoundError("评价不存在。/ Evaluation not found.")
    _community_for_write(actor, survey.community_id)
    if survey.status != SurveyStatus.OPEN:
        raise StateError("评价已结束。/ The evaluation is already closed.", field="status")
    survey.status = SurveyStatus.CLOSED
    survey.closed_at = timezone.now()
    survey.results = evaluation_summary(survey)
    survey.save(update_fields=["status", "closed_at", "results"])
    audit_record(actor=actor, action="evaluation_close", obj=survey, changes={"status": ["open", "closed"]})
    return survey
