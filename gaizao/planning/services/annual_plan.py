"""Saving an optimiser run as the district's draft annual plan, through the programme services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from gaizao.audit.services import audit_record
from gaizao.planning import selectors
from gaizao.planning.models import OptimiserRun
from gaizao.planning.services._common import _now, _require
from gaizao.planning.services.permissions import can_save_run
from gaizao.planning.services.special_plans import project_link_unit


@transaction.atomic
def optimiser_save(*, actor: Any, run: OptimiserRun, now: dt.datetime | None = None) -> Any:
    """Save the chosen set as the district's draft annual plan for the run's year, through programme services.

    Each chosen community gets a project (one per approved plan unit when units go together) created with
    ``project_create`` unless it already has one, linked to its plan unit, and moved from 储备 to 谋划 with
    ``project_move``; then ``annual_plan_compile`` creates or refreshes the draft annual plan, which lists the
    projects that are ready (实施一批) — the others enter it as their consent, consultation and publication complete.
    """
    from gaizao.programme import services as programme
    from gaizao.programme.models import ProjectCommunity, ProjectState

    run = OptimiserRun.objects.select_for_update().select_related("district").get(pk=run.pk)
    _require(can_save_run(actor, run))
    plan = selectors.approved_plan(run.district)
    units = selectors.unit_of_community(plan) if plan and run.keep_units else {}
    chosen = [int(i) for i in run.chosen]
    busy = {
        m.community_id: m.project
        for m in ProjectCommunity.objects.filter(community_id__in=chosen, project__archived_at__isnull=True)
        .exclude(project__state=ProjectState.WITHDRAWN)
        .select_related("project")
    }
    batches: dict[str, list[int]] = {}
    for cid in chosen:
        if cid in busy:
            continue
        unit = units.get(cid)
        batches.setdefault(f"u{unit.pk}" if unit else f"c{cid}", []).append(cid)
    projects = {p.pk: p for p in busy.values()}
    for key, ids in batches.items():
        unit = units.get(ids[0]) if key.startswith("u") else None
        project = programme.project_create(
            actor=actor, community_ids=ids, renovation_unit=f"{unit.code} {unit.name}" if unit else ""
        )
        projects[project.pk] = project
    moved = []
    for project in projects.values():
        members = list(project.communities.values_list("pk", flat=True))
        unit = next((units[c] for c in members if c in units), None)
        if unit is not None:
            project_link_unit(actor=actor, project=project, unit=unit)
        if project.state == ProjectState.RESERVE:
            programme.project_move(
                actor=actor,
                project=project,
                to=ProjectState.PLANNING,
                reason=f"列入{run.plan_year}年度计划（优化 #{run.pk}）/ chosen for {run.plan_year} by run {run.pk}",
                now=now,
            )
            moved.append(project.code)
    annual = programme.annual_plan_compile(actor=actor, district=run.district, plan_year=run.plan_year)
    run.annual_plan = annual
    run.saved_at = _now(now)
    run.save(update_fields=["annual_plan", "saved_at"])
    audit_record(
        actor=actor,
        action="optimiser.save",
        obj=run,
        changes={
            "annual_plan": annual.pk,
            "projects": sorted(p.code for p in projects.values()),
            "moved": moved,
        },
    )
    return annual
