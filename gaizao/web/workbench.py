"""The role home page (工作台): to-dos of the apps that exist so far, key figures of the scope, recent activity.

The to-do providers below read only through each app's scoped selectors and ``can_*`` checks; they are registered
from :class:`gaizao.web.apps.WebConfig` because ``web`` may import every app (layers import downward). Apps added
later register their own providers from their own ``AppConfig.ready()`` (see :mod:`gaizao.ui.todos`).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from gaizao.accounts.access import READER_ROLES, can_write
from gaizao.accounts.models import WRITER_ROLES, Role
from gaizao.audit.selectors import recent_events_for
from gaizao.ui.i18n import tr
from gaizao.ui.todos import Todo, TodoItem, register_todo
from gaizao.web.labels import action_label, label_of

#: a ballot that closes within this many days is "closing soon"
BALLOT_CLOSING_DAYS = 3
#: how many items a to-do card lists before its "all" link
ITEMS_SHOWN = 5
#: the screening colours of the registry's map and badges, in this order
SCREENING_COLOURS = {
    "priority": "#c53030",
    "may_include": "#f0b429",
    "out_of_scope": "#9aa5b1",
    "unscreened": "#3e7cb1",
}
#: recent import jobs looked at for errors
IMPORTS_LOOKED_AT = 20


def _when(moment: Any) -> str:
    local = timezone.localtime(moment)
    return tr(f"{local.month}月{local.day}日 {local:%H:%M}", f"{local:%d %b %H:%M}")


# --- to-do providers ------------------------------------------------------------------------------------------------


def ballots_closing(user: Any) -> Todo | None:
    """Staff: open ballots in scope closing within three days. Residents: open ballots still awaiting their vote."""
    from gaizao.participation.models import BallotStatus
    from gaizao.participation.selectors import ballots_for, my_vote

    role = getattr(user, "role", None)
    if role not in READER_ROLES and role != Role.RESIDENT:
        return None
    open_ballots = ballots_for(user).filter(status=BallotStatus.OPEN).order_by("closes_at", "pk")
    if role == Role.RESIDENT:
        waiting = [b for b in open_ballots[:50] if my_vote(user, b) is None]
        return Todo(
            "等待我投票的表决",
            "Ballots awaiting my vote",
            len(waiting),
            reverse("participation:index"),
            tone="warning" if waiting else "info",
            items=tuple(
                TodoItem(
                    f"{b.community.name} · {b.question}",
                    reverse("participation:ballot", args=[b.pk]),
                    tr("截止 ", "closes ") + _when(b.closes_at) if b.closes_at else "",
                )
                for b in waiting[:ITEMS_SHOWN]
            ),
            empty_zh="没有等待您投票的表决。",
            empty_en="No ballot is waiting for your vote.",
        )
    soon = open_ballots.filter(closes_at__lte=timezone.now() + timedelta(days=BALLOT_CLOSING_DAYS))
    count = soon.count()
    return Todo(
        "即将截止的表决",
        "Ballots closing soon",
        count,
        reverse("participation:index"),
        tone="warning" if count else "info",
        items=tuple(
            TodoItem(
                f"{b.community.name} · {b.question}",
                reverse("participation:ballot", args=[b.pk]),
                tr("截止 ", "closes ") + _when(b.closes_at) if b.closes_at else "",
            )
            for b in soon[:ITEMS_SHOWN]
        ),
        empty_zh=f"{BALLOT_CLOSING_DAYS} 天内没有截止的表决。",
        empty_en=f"No ballot closes within {BALLOT_CLOSING_DAYS} days.",
    )


def consultations_awaiting(user: Any) -> Todo | None:
    """Open joint consultations with an opinion this account may record that is still pending."""
    from gaizao.programme.models import ConsultationState, OpinionDecision
    from gaizao.programme.selectors import consultations_for
    from gaizao.programme.services import can_record_opinion

    if getattr(user, "role", None) not in READER_ROLES | {Role.DEPARTMENT}:
        return None
    waiting = []
    for consultation in (
        consultations_for(user).filter(state=ConsultationState.OPEN).prefetch_related("opinions")[:200]
    ):
        pending = [
            o.department
            for o in consultation.opinions.all()
            if o.decision == OpinionDecision.PENDING and can_record_opinion(user, consultation, o.department)
        ]
        if pending:
            waiting.append((consultation, pending))
    return Todo(
        "待回复的联合会商意见",
        "Consultations awaiting my opinion",
        len(waiting),
        reverse("programme:consultations"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(
                str(c.project),
                reverse("programme:consultation", args=[c.pk]),
                tr("待回复：", "pending: ") + "、".join(label_of(d, "department") for d in pending),
            )
            for c, pending in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="没有等待您回复的会商。",
        empty_en="No consultation awaits your opinion.",
    )


def consultations_waiting_departments(user: Any) -> Todo | None:
    """District officers: open consultations in scope still waiting for departments' answers, which they may
    remind (the 提醒 buttons of the consultation page show exactly when ``can_remind`` allows)."""
    from gaizao.programme.models import OpinionDecision
    from gaizao.programme.selectors import consultations_waiting_for_departments
    from gaizao.programme.services import can_remind

    if getattr(user, "role", None) != Role.DISTRICT_OFFICER:
        return None
    waiting = []
    for consultation in consultations_waiting_for_departments(user).prefetch_related("opinions")[:200]:
        if not can_remind(user, consultation):
            continue
        pending = [o.department for o in consultation.opinions.all() if o.decision == OpinionDecision.PENDING]
        waiting.append((consultation, pending))
    return Todo(
        "会商待部门答复",
        "Consultations waiting for departments",
        len(waiting),
        reverse("programme:consultations"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(
                str(c.project),
                reverse("programme:consultation", args=[c.pk]),
                tr("未答复：", "no answer yet: ") + "、".join(label_of(d, "department") for d in pending),
            )
            for c, pending in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="没有等待部门答复的会商。",
        empty_en="No consultation is waiting for departments.",
    )


def annual_plans_to_review(user: Any) -> Todo | None:
    """Reviewers: submitted plans their bureau has not reviewed in this version. City: plans awaiting approval too."""
    from gaizao.programme.models import AnnualPlanState
    from gaizao.programme.selectors import annual_plans_for

    role = getattr(user, "role", None)
    if role not in (Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER):
        return None
    plans = annual_plans_for(user).filter(state__in=[AnnualPlanState.SUBMITTED, AnnualPlanState.REVIEWED])
    waiting = []
    for plan in plans.prefetch_related("reviews").order_by("submitted_at", "pk"):
        if role == Role.MUNICIPAL_REVIEWER:
            done = {r.bureau for r in plan.reviews.all() if r.version == plan.version}
            if plan.state != AnnualPlanState.SUBMITTED or user.bureau in done:
                continue
        waiting.append(plan)
    return Todo(
        "待审查的年度计划",
        "Annual plans to review",
        len(waiting),
        reverse("programme:city"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(
                f"{p.district.name} {p.plan_year}",
                reverse("programme:annual", args=[p.pk]),
                label_of(p.state, "AnnualPlanState"),
            )
            for p in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="没有等待审查的年度计划。",
        empty_en="No annual plan awaits review.",
    )


def annual_plans_returned(user: Any) -> Todo | None:
    """District officers: their annual plans returned by a bureau for revision."""
    from gaizao.programme.models import AnnualPlanState
    from gaizao.programme.selectors import annual_plans_for

    if getattr(user, "role", None) != Role.DISTRICT_OFFICER:
        return None
    returned = list(annual_plans_for(user).filter(state=AnnualPlanState.RETURNED).order_by("plan_year", "pk"))
    return Todo(
        "退回修改的年度计划",
        "Annual plans returned for revision",
        len(returned),
        reverse("programme:annual_list"),
        tone="danger" if returned else "info",
        items=tuple(
            TodoItem(
                f"{p.district.name} {p.plan_year}",
                reverse("programme:annual", args=[p.pk]),
                label_of(p.state, "AnnualPlanState"),
            )
            for p in returned[:ITEMS_SHOWN]
        ),
        empty_zh="没有退回修改的年度计划。",
        empty_en="No annual plan has been returned.",
    )


def imports_with_errors(user: Any) -> Todo | None:
    """The account's own recent registry imports whose report has errors (or that failed)."""
    from gaizao.jobs.models import Job, JobStatus
    from gaizao.registry.importing.jobs import JOB_KIND, report_of

    if getattr(user, "role", None) not in READER_ROLES:
        return None
    bad = []
    for job in Job.objects.filter(owner=user, kind=JOB_KIND).order_by("-created_at")[:IMPORTS_LOOKED_AT]:
        report = report_of(job)
        if job.status == JobStatus.FAILED:
            bad.append((job, tr("导入失败", "failed")))
        elif report is not None and report.errors:
            bad.append(
                (job, tr(f"{report.error_row_count} 行有错误", f"{report.error_row_count} rows with errors"))
            )
    return Todo(
        "有错误的数据导入",
        "Imports with errors",
        len(bad),
        reverse("registry:import"),
        tone="danger" if bad else "info",
        items=tuple(
            TodoItem(job.title, reverse("registry:import_result", args=[job.pk]), hint)
            for job, hint in bad[:ITEMS_SHOWN]
        ),
        empty_zh="最近的导入没有错误。",
        empty_en="Your recent imports have no errors.",
    )


def reports_to_answer(user: Any) -> Todo | None:
    """Residents' reports (报事) still open in communities this account may answer for."""
    from gaizao.participation.models import ReportStatus
    from gaizao.participation.selectors import can_write_community, reports_for

    if getattr(user, "role", None) not in WRITER_ROLES:
        return None
    waiting = [
        r
        for r in reports_for(user).filter(status=ReportStatus.OPEN).order_by("created_at", "pk")[:200]
        if can_write_community(user, r.community)
    ]
    return Todo(
        "待答复的居民报事",
        "Residents' reports to answer",
        len(waiting),
        reverse("participation:reports"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(
                f"{r.community.name} · {r.description[:40]}",
                reverse("participation:report", args=[r.pk]),
                label_of(r.category, "ReportCategory"),
            )
            for r in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="没有待答复的报事。",
        empty_en="No report is waiting for an answer.",
    )


def comments_to_answer(user: Any) -> Todo | None:
    """Public comments on plans under publication (公示) that have no reply yet and this account may answer."""
    from gaizao.programme.models import PublicationComment
    from gaizao.programme.selectors import publications_for

    if getattr(user, "role", None) not in WRITER_ROLES:
        return None
    waiting = [
        c
        for c in PublicationComment.objects.filter(publication__in=publications_for(user), reply="")
        .select_related("publication__project__division")
        .order_by("created_at", "pk")[:200]
        if can_write(user, c.publication.project.division)
    ]
    return Todo(
        "待答复的公示意见",
        "Publication comments to answer",
        len(waiting),
        reverse("programme:home"),
        tone="warning" if waiting else "info",
        items=tuple(
            TodoItem(
                f"{c.publication.project.name} · {c.body[:40]}",
                reverse("programme:publication", args=[c.publication_id]),
                _when(c.created_at),
            )
            for c in waiting[:ITEMS_SHOWN]
        ),
        empty_zh="公示意见均已答复。",
        empty_en="Every publication comment has a reply.",
    )


def register_builtin_todos() -> None:
    register_todo("participation.ballots_closing", ballots_closing, order=10)
    register_todo("programme.consultations_awaiting", consultations_awaiting, order=20)
    register_todo("programme.consultations_waiting_departments", consultations_waiting_departments, order=22)
    register_todo("programme.annual_plans_to_review", annual_plans_to_review, order=30)
    register_todo("programme.annual_plans_returned", annual_plans_returned, order=35)
    register_todo("participation.reports_to_answer", reports_to_answer, order=40)
    register_todo("programme.comments_to_answer", comments_to_answer, order=50)
    register_todo("registry.imports_with_errors", imports_with_errors, order=90)


# --- key figures and recent activity --------------------------------------------------------------------------------


def key_figures(user: Any) -> dict[str, Any] | None:
    """Counts of the user's scope: communities by screening result, projects by pool, open ballots; chart data."""
    from gaizao.participation.models import BallotStatus
    from gaizao.participation.selectors import ballots_for
    from gaizao.programme.selectors import project_counts
    from gaizao.registry.selectors import screening_counts, screening_totals

    if getattr(user, "role", None) not in READER_ROLES:
        return None
    # The registry's materialised aggregates (a few hundred rows for the city), not one row per community read
    # into Python: at 220,000 communities that read alone was most of the page.
    totals = screening_totals(screening_counts(user))
    screening = Counter({status: n for status, n in totals.items() if status != "total"})
    projects = project_counts(user)
    figures = [
        {
            "key": "communities",
            "label": tr("小区", "Communities"),
            "value": sum(screening.values()),
            "url": reverse("registry:list"),
        },
        {
            "key": "priority",
            "label": tr("重点改造小区", "Priority communities"),
            "value": screening.get("priority", 0),
            "url": reverse("registry:screening"),
        },
        {
            "key": "implementing",
            "label": tr("实施一批项目", "Projects implementing"),
            "value": projects.get("implementing", 0),
            "url": reverse("programme:home"),
        },
        {
            "key": "open_ballots",
            "label": tr("进行中的表决", "Open ballots"),
            "value": ballots_for(user).filter(status=BallotStatus.OPEN).count(),
            "url": reverse("participation:index"),
        },
    ]
    chart = {
        "title": tr("项目库", "Project pools"),
        "categories": [label_of(s, "ProjectState") for s in projects],
        "values": list(projects.values()),
        "screening_title": tr("小区筛查", "Screening"),
        "screening": [
            {
                "name": label_of(status, "ScopeStatus"),
                "value": screening[status],
                "itemStyle": {"color": colour},
            }
            for status, colour in SCREENING_COLOURS.items()
            if screening.get(status)
        ],
    }
    return {"figures": figures, "chart": chart}


def recent_activity(user: Any, *, limit: int = 8) -> list[dict[str, str]]:
    rows = []
    for event in recent_events_for(user, limit=limit):
        label = f"{event.content_type.app_label}.{event.content_type.model}"
        rows.append(
            {
                "when": _when(event.at),
                "who": event.actor_label,
                "what": action_label(event.action),
                "object": event.object_repr,
                "url": f"/history/{label}/{event.object_id}/",
            }
        )
    return rows
