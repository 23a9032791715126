"""Reads of the programme workflow. Every user-visible read goes through ``gaizao.accounts.access.scoped``.

Other apps below this one (participation, lifecircle) are read through their own selectors, called directly: a
missing function is an error, never "nothing yet".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from gaizao.accounts.access import scoped
from gaizao.accounts.models import Role
from gaizao.programme.models import (
    AnnualPlan,
    AnnualPlanState,
    Consultation,
    ConsultationState,
    OpinionDecision,
    PlanVersion,
    Project,
    ProjectState,
    Publication,
    PublicationComment,
    PublicationState,
    UnitRate,
)

PROJECT = "division__path"
VIA_PROJECT = "project__division__path"


#: Roles that answer consultations for their own department and read only what invites it.
INVITED_PARTY_ROLES = (Role.UTILITY, Role.DEPARTMENT)


def invited_department(user: Any) -> str | None:
    """The consultation department a utility's or department's account answers for (None for other roles)."""
    role = getattr(user, "role", None)
    if role == Role.UTILITY:
        return str(user.utility_kind or "")
    if role == Role.DEPARTMENT:
        return str(user.department or "")
    return None


# --- projects -------------------------------------------------------------------------------------------------------


def projects_for(user: Any) -> QuerySet[Project]:
    """Projects ``user`` may read: its division's, or for a utility or department the projects whose consultation
    invites it."""
    qs = scoped(
        Project.objects.select_related("division", "district").defer(
            "division__boundary", "district__boundary"
        ),
        user,
        field=PROJECT,
        invited=True,
    )
    department = invited_department(user)
    if department is not None:
        qs = qs.filter(consultations__opinions__department=department).distinct()
    return qs.filter(archived_at__isnull=True)


def projects_listing(user: Any) -> QuerySet[Project]:
    """``projects_for`` with what a list shows of each project fetched up front: its plan with the current
    version (joined) and its communities (one query, codes and names only), so a list's queries do not grow with
    its length."""
    from django.db.models import Prefetch

    from gaizao.registry.models import Community

    return (
        projects_for(user)
        .select_related("plan", "plan__current_version")
        .prefetch_related(Prefetch("communities", queryset=Community.objects.only("id", "code", "name")))
    )


def project_rows(projects: QuerySet[Project]) -> list[dict[str, Any]]:
    """``projects`` (a page of ``projects_for``) as the API lists them, the same dicts as ``api.project_out``,
    read as plain values in two queries (the projects with their plan, current version and divisions joined; the
    communities of the page): a page of 500 built model instances of five kinds and decoded every JSON column of
    every plan version for the three fields it shows."""
    from gaizao.programme.models import ProjectCommunity

    rows = list(
        projects.values(
            "id",
            "code",
            "name",
            "state",
            "district__name",
            "division__name",
            "renovation_unit",
            "is_sample",
            "plan__state",
            "plan__current_version__number",
            "plan__current_version__estimate",
        )
    )
    members: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    for m in (
        ProjectCommunity.objects.filter(project_id__in=list(members))
        .order_by("community__code")
        .values("project_id", "community_id", "community__code", "community__name")
    ):
        members[m["project_id"]].append(
            {"id": m["community_id"], "code": m["community__code"], "name": m["community__name"]}
        )
    out = []
    for r in rows:
        estimate = r["plan__current_version__estimate"]
        out.append(
            {
                "id": r["id"],
                "code": r["code"],
                "name": r["name"],
                "state": r["state"],
                "district": r["district__name"],
                "division": r["division__name"],
                "renovation_unit": r["renovation_unit"],
                "is_sample": r["is_sample"],
                "communities": members[r["id"]],
                "plan_state": r["plan__state"],
                "plan_version": r["plan__current_version__number"],
                "estimate": str(estimate) if estimate is not None else None,
            }
        )
    return out


def projects_filtered(user: Any, *, q: str = "", state: str = "", district: str = "") -> QuerySet[Project]:
    """``projects_for`` narrowed by words in the code, the name or a community's name or code, by pool and by
    district code — always inside the user's scope — with only what the project list shows of each (code, name,
    pool, sample flag, district name): no plan, version or communities to load for rows that do not show them."""
    from django.db.models import Q

    qs = (
        projects_for(user)
        .select_related(None)
        .select_related("district")
        .only("id", "code", "name", "state", "is_sample", "district_id", "district__name")
    )
    if state:
        qs = qs.filter(state=state)
    if district:
        qs = qs.filter(district__code=district)
    for word in q.split()[:5]:
        qs = qs.filter(
            Q(code__icontains=word)
            | Q(name__icontains=word)
            | Q(communities__name__icontains=word)
            | Q(communities__code__icontains=word)
        )
    return qs.distinct() if q.strip() else qs


def project_tally(user: Any) -> list[dict[str, Any]]:
    """The user's projects counted per district and pool in one grouped query: ``{"district__code",
    "district__name", "state", "n"}`` rows. The project list derives its district filter, its pool counts, its chart
    and (unfiltered) its total from these rows instead of four queries over every project."""
    from django.db.models import Count

    qs = projects_for(user)
    # only an invited department's rows come through a join (and may repeat); the others count plain rows
    n = Count("id", distinct=True) if qs.query.distinct else Count("id")
    return list(qs.order_by().values("district__code", "district__name", "state").annotate(n=n))


def project_districts(user: Any, *, tally: list[dict[str, Any]] | None = None) -> list[tuple[str, str]]:
    """``(code, name)`` of the districts the user's projects lie in, for the list's filter."""
    rows = project_tally(user) if tally is None else tally
    return sorted({(r["district__code"], r["district__name"]) for r in rows})


def get_project(user: Any, pk: Any) -> Project:
    project = projects_for(user).filter(pk=pk).first()
    if project is None:
        raise Http404("不存在或无权查看 / not found")
    return project


def project_counts(user: Any, *, tally: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Projects per pool, counted by the database (distinct: an invited department's rows come through a join)."""
    if tally is None:
        from django.db.models import Count

        grouped = projects_for(user).order_by().values("state").annotate(n=Count("id", distinct=True))
        tally = list(grouped)
    counts: dict[str, int] = {}
    for row in tally:
        counts[row["state"]] = counts.get(row["state"], 0) + row["n"]
    return {state.value: counts.get(state.value, 0) for state in ProjectState}


def project_counts_by_district(
    user: Any, *, tally: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Projects per district name and pool, counted by the database, by district name."""
    rows: dict[str, dict[str, Any]] = {}
    for r in project_tally(user) if tally is None else tally:
        name = r["district__name"]
        row = rows.setdefault(name, {"district": name, **{s.value: 0 for s in ProjectState}})
        row[r["state"]] += r["n"]
    return sorted(rows.values(), key=lambda r: r["district"])


def get_plan_version(user: Any, pk: Any) -> PlanVersion:
    """A plan version of a project ``user`` may read (404 otherwise)."""
    obj = (
        PlanVersion.objects.select_related("plan__project")
        .filter(pk=pk, plan__project__in=projects_for(user))
        .first()
    )
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


# --- consultations --------------------------------------------------------------------------------------------------


def consultations_for(user: Any) -> QuerySet[Consultation]:
    qs = scoped(
        Consultation.objects.select_related("project", "project__district"),
        user,
        field=VIA_PROJECT,
        invited=True,
    )
    department = invited_department(user)
    if department is not None:
        qs = qs.filter(opinions__department=department).distinct()
    return qs


def consultations_waiting_for_departments(user: Any) -> QuerySet[Consultation]:
    """Open consultations the account may read that still have a department that has not answered (whom the
    district may remind), oldest first."""
    return (
        consultations_for(user)
        .filter(state=ConsultationState.OPEN, opinions__decision=OpinionDecision.PENDING)
        .distinct()
        .order_by("started_at", "pk")
    )


def consultation_reminders_for(user: Any) -> list[Any]:
    """The account's own unread-or-recent reminders to answer a consultation (its notices), newest first."""
    from gaizao.accounts.models import Notice

    if invited_department(user) is None:
        return []
    return list(Notice.objects.filter(user=user, kind="consultation_reminder")[:20])


def get_consultation(user: Any, pk: Any) -> Consultation:
    obj = consultations_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


# --- publications ---------------------------------------------------------------------------------------------------


def public_publications() -> QuerySet[Publication]:
    """Publications on the public pages: open and finished ones (withdrawn ones are taken down)."""
    return Publication.objects.exclude(state=PublicationState.WITHDRAWN).select_related(
        "project", "project__district", "plan_version"
    )


def get_public_publication(public_id: Any) -> Publication:
    obj = public_publications().filter(public_id=public_id).first()
    if obj is None:
        raise Http404("不存在 / not found")
    return obj


def _invited_to(qs: QuerySet[Any], user: Any, *, project: str) -> QuerySet[Any]:
    """For a utility or department, only the rows of projects whose consultation invites it."""
    department = invited_department(user)
    if department is not None:
        return qs.filter(**{f"{project}consultations__opinions__department": department}).distinct()
    return qs


def publications_for(user: Any) -> QuerySet[Publication]:
    qs = scoped(
        Publication.objects.select_related("project", "plan_version"), user, field=VIA_PROJECT, invited=True
    )
    return _invited_to(qs, user, project="project__")


def get_publication(user: Any, pk: Any) -> Publication:
    obj = publications_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


def get_comment(user: Any, pk: Any) -> PublicationComment:
    qs = scoped(
        PublicationComment.objects.select_related("publication__project"),
        user,
        field="publication__project__division__path",
        invited=True,
    )
    obj = _invited_to(qs, user, project="publication__project__").filter(pk=pk).first()
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


# --- annual plans ---------------------------------------------------------------------------------------------------


def annual_plans_for(user: Any) -> QuerySet[AnnualPlan]:
    """District officers see their district's plans; the city and reviewers see plans once submitted."""
    qs = scoped(AnnualPlan.objects.select_related("district"), user, field="district__path")
    role = getattr(user, "role", None)
    if role == Role.DISTRICT_OFFICER:
        return qs
    if role in (Role.CITY_COORDINATOR, Role.MUNICIPAL_REVIEWER):
        return qs.exclude(state=AnnualPlanState.DRAFT, version=0)
    return qs.none()


def get_annual_plan(user: Any, pk: Any) -> AnnualPlan:
    obj = annual_plans_for(user).filter(pk=pk).first()
    if obj is None:
        raise Http404("不存在或无权查看 / not found")
    return obj


def city_submission_rows(user: Any, plan_year: int | None = None) -> list[dict[str, Any]]:
    """Submissions and reviews per district for the city dashboard."""
    rows = []
    qs = annual_plans_for(user).prefetch_related("reviews", "projects")
    if plan_year is not None:
        qs = qs.filter(plan_year=plan_year)
    for plan in qs:
        reviews = {r.bureau: r.decision for r in plan.reviews.all() if r.version == plan.version}
        rows.append({"plan": plan, "reviews": reviews, "project_count": plan.projects.count()})
    return rows


# --- unit rates -----------------------------------------------------------------------------------------------------


def unit_rates_for(user: Any) -> QuerySet[UnitRate]:
    """City defaults and the rates of the user's district (citywide roles see all)."""
    from django.db.models import Q

    from gaizao.accounts.access import scope_path

    path = scope_path(user)
    if path is None:
        return UnitRate.objects.none()
    parts = path.split("/")
    ancestors = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return UnitRate.objects.select_related("division").filter(
        Q(division__path__in=ancestors) | Q(division__path__startswith=path + "/") | Q(division__path=path)
    )


def unit_rates_map(*, district: Any) -> dict[str, UnitRate]:
    """Every catalogue item's rate for ``district``: its own where set, else the city default (one query)."""
    city = district
    while city.parent_id is not None:
        city = city.parent
    rows = UnitRate.objects.filter(division__in=[district, city]).select_related("division")
    out: dict[str, UnitRate] = {}
    for row in sorted(rows, key=lambda r: r.division_id == district.pk):
        out[row.item_id] = row
    return out


def unit_rate_for(*, district: Any, item_id: str) -> UnitRate | None:
    """The district's own rate for a catalogue item, else the city default."""
    own = UnitRate.objects.filter(division=district, item_id=item_id).first()
    if own is not None:
        return own
    city = district.parent
    while city is not None and city.parent is not None:
        city = city.parent
    if city is None:
        return None
    return UnitRate.objects.filter(division=city, item_id=item_id).first()


# --- other apps' data (participation, lifecircle), through their selectors -----------------------------------------


@dataclass(frozen=True)
class ProjectBallotOutcome:
    """A ballot opened for a project and community, with its outcome (None fields while it is not closed)."""

    ballot_id: int
    purpose: str
    status: str
    closed: bool
    approved: bool
    matter: int
    scope_kind: str
    plan_version_id: int | None
    plan_version_number: int | None


def project_ballot_outcomes(
    *, project_id: int, community_id: int, purpose: str
) -> list[ProjectBallotOutcome]:
    """The ballots opened for ``project_id`` in ``community_id`` for ``purpose``, newest first."""
    from gaizao.participation import selectors as participation
    from gaizao.programme.models import ProjectBallot

    links = list(
        ProjectBallot.objects.filter(project_id=project_id, community_id=community_id, purpose=purpose)
        .select_related("plan_version")
        .order_by("-created_at", "-id")
    )
    outcomes = participation.ballot_outcomes(ballot_ids=[link.ballot_id for link in links])
    out = []
    for link in links:
        outcome = outcomes[link.ballot_id]
        out.append(
            ProjectBallotOutcome(
                ballot_id=link.ballot_id,
                purpose=link.purpose,
                status=outcome.status if outcome else participation.ballot_status(ballot_id=link.ballot_id),
                closed=outcome is not None,
                approved=bool(outcome and outcome.approved),
                matter=outcome.matter if outcome else 0,
                scope_kind=outcome.scope_kind if outcome else "",
                plan_version_id=link.plan_version_id,
                plan_version_number=link.plan_version.number if link.plan_version else None,
            )
        )
    return out


def stairwell_ballot_outcome(*, building_id: int, stairwell: str) -> Any:
    """The latest closed elevator ballot of one stairwell (participation's ``BallotOutcome``), or None."""
    from gaizao.participation.selectors import stairwell_ballot_outcome as fetch

    return fetch(building_id=building_id, stairwell=stairwell, purpose="elevator")


def needs_priorities(*, community_id: int) -> list[tuple[str, float]]:
    """Residents' needs survey priorities (catalogue item id, score), best first."""
    from gaizao.participation.selectors import needs_priorities as fetch

    return list(fetch(community_id=community_id))


def community_gap_items(*, community_id: int) -> list[str]:
    """Catalogue items the life-circle gaps recommend."""
    from gaizao.lifecircle.selectors import community_gap_items as fetch

    return list(fetch(community_id=community_id))


def renovation_unit_proposals(*, user: Any) -> list[dict[str, Any]]:
    """Renovation units (连片) the life-circle engine proposes from the latest run in the user's scope, limited to
    communities the user may see; ``[]`` when no run exists.

    Each item: ``{"community_ids": [...], "communities": [Community, ...], "shared_gaps": [...]}``.
    """
    from gaizao.lifecircle import selectors as lc

    run = lc.latest_run_for(user)
    if run is None:
        return []
    visible = {c.pk: c for c in screened_communities_for(user)}
    out = []
    for unit in lc.renovation_unit_proposals(run_id=run.pk):
        ids = [int(i) for i in unit.get("community_ids", [])]
        if len(ids) < 2 or not all(i in visible for i in ids):
            continue
        out.append({**unit, "community_ids": ids, "communities": [visible[i] for i in ids]})
    return out


def screened_communities_for(user: Any) -> QuerySet[Any]:
    """Communities a project may be created from: in scope (priority or may_include), inside the user's scope."""
    from gaizao.registry.models import Community, ScopeStatus

    return scoped(
        Community.objects.select_related("division").defer("boundary", "division__boundary"), user
    ).filter(scope_status__in=[ScopeStatus.PRIORITY, ScopeStatus.MAY_INCLUDE], archived_at__isnull=True)


def plan_recommendations(project: Project) -> list[dict[str, Any]]:
    """Items pre-filled from the life-circle gaps and the needs survey of the project's communities, with origin."""
    from gaizao.policy.catalogue import catalogue_items

    known = {item.id for item in catalogue_items()}
    origins: dict[str, set[str]] = {}
    scores: dict[str, float] = {}
    for community_id in project.communities.values_list("pk", flat=True):
        for item_id in community_gap_items(community_id=community_id):
            if item_id in known:
                origins.setdefault(item_id, set()).add("gap")
        for item_id, score in needs_priorities(community_id=community_id):
            if item_id in known and score > 0:
                origins.setdefault(item_id, set()).add("needs")
                scores[item_id] = max(scores.get(item_id, 0.0), float(score))
    out: list[dict[str, Any]] = []
    for item_id, kinds in origins.items():
        origin = "gap+needs" if kinds == {"gap", "needs"} else next(iter(kinds))
        out.append({"item_id": item_id, "origin": origin, "score": scores.get(item_id, 0.0)})
    out.sort(key=lambda r: (-r["score"], r["item_id"]))
    return out
