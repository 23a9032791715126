"""Life-circle API at ``/api/v1/lifecircle/`` — every read through the scoped selectors, every write through the
services. Runs outside the caller's scope answer 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from gaizao.accounts.access import READER_ROLES
from gaizao.errors import ApplicationError
from gaizao.lifecircle import selectors, services, views_data
from gaizao.lifecircle.models import AnalysisRun, RoadNetwork, SitingProposal

router = Router(tags=["lifecircle"])


def _staff(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) not in READER_ROLES:
        raise Http404


class NetworkOut(Schema):
    id: int
    name: str
    source: str
    attribution: str
    file_format: str
    division_code: str
    node_count: int
    edge_count: int
    component_count: int
    largest_component_nodes: int
    is_default: bool
    loaded_at: datetime


def _network(n: RoadNetwork) -> NetworkOut:
    return NetworkOut(
        id=n.pk,
        name=n.name,
        source=n.source,
        attribution=n.attribution,
        file_format=n.file_format,
        division_code=n.division.code,
        node_count=n.node_count,
        edge_count=n.edge_count,
        component_count=n.component_count,
        largest_component_nodes=n.largest_component_nodes,
        is_default=n.is_default,
        loaded_at=n.loaded_at,
    )


class RunOut(Schema):
    id: int
    status: str
    division_code: str
    division_name: str
    network_id: int
    network_name: str
    origin_mode: str
    walking_speed_m_per_min: float
    snap_tolerance_m: float
    max_distance_m: float
    standards_version: str
    community_count: int
    joined_count: int
    facility_count: int
    category_count: int
    gap_count: int
    duration_s: float | None
    message: str
    job_id: str | None
    job_url: str | None
    url: str
    created_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] = {}


def _run(r: AnalysisRun, *, summary: bool = False) -> RunOut:
    return RunOut(
        id=r.pk,
        status=r.status,
        division_code=r.division.code,
        division_name=r.division.name,
        network_id=r.network_id,
        network_name=r.network.name,
        origin_mode=r.origin_mode,
        walking_speed_m_per_min=r.walking_speed_m_per_min,
        snap_tolerance_m=r.snap_tolerance_m,
        max_distance_m=r.max_distance_m,
        standards_version=r.standards_version,
        community_count=r.community_count,
        joined_count=r.joined_count,
        facility_count=r.facility_count,
        category_count=r.category_count,
        gap_count=r.gap_count,
        duration_s=r.duration_s,
        message=r.message,
        job_id=str(r.job_id) if r.job_id else None,
        job_url=f"/jobs/{r.job_id}/" if r.job_id else None,
        url=f"/lifecircle/runs/{r.pk}/",
        created_at=r.created_at,
        finished_at=r.finished_at,
        summary=r.summary if summary else {},
    )


class RunStartIn(Schema):
    division: str = ""  # code or name; default: the caller's own division
    network_id: int | None = None
    origin_mode: str = "entrances"
    walking_speed_m_per_min: float | None = None


@router.get("/networks", response=list[NetworkOut], summary="Road networks the caller may use")
def network_list(request: HttpRequest) -> list[NetworkOut]:
    _staff(request)
    return [_network(n) for n in selectors.networks_for(request.user)]


class NetworkUploadOut(Schema):
    job_id: str
    status: str
    job_url: str
    page_url: str


@router.post(
    "/networks",
    response={202: NetworkUploadOut},
    summary="Upload a network (GeoJSON, GeoPackage, zipped SHP); read by a background job",
)
def network_upload(
    request: HttpRequest, name: Form[str], file: File[UploadedFile], source: Form[str] = ""
) -> Status:
    """Store the file and queue the job that reads it in a memory-capped process: the answer is 202 with the
    job's id; ``GET /api/v1/jobs/<id>`` gives its progress, then ``result.network`` (the new network's id) or the
    error that says why the file could not be used."""
    _staff(request)
    job = services.network_upload_start(actor=request.user, name=name, upload=file, source=source)
    return Status(
        202,
        NetworkUploadOut(
            job_id=str(job.pk),
            status=job.status,
            job_url=f"/api/v1/jobs/{job.pk}",
            page_url=reverse("web:job", args=[job.pk]),
        ),
    )


@router.get("/runs", response=list[RunOut], summary="Analysis runs in the caller's scope, newest first")
def run_list(request: HttpRequest) -> list[RunOut]:
    _staff(request)
    return [_run(r) for r in selectors.runs_for(request.user)[:200]]


@router.post("/runs", response={202: RunOut}, summary="Start the analysis of a district (or the city)")
def run_start(request: HttpRequest, payload: RunStartIn) -> Status:
    _staff(request)
    division = None
    if payload.division:
        from gaizao.divisions.selectors import find_division

        division = find_division(payload.division)
        if division is None:
            raise ApplicationError(
                f"找不到区划 {payload.division}。/ No division {payload.division}.", field="division"
            )
    network = selectors.get_network_for(request.user, payload.network_id) if payload.network_id else None
    run = services.analysis_run_start(
        actor=request.user,
        division=division,
        network=network,
        origin_mode=payload.origin_mode,
        walking_speed_m_per_min=payload.walking_speed_m_per_min,
    )
    run.refresh_from_db()
    return Status(202, _run(run))


@router.get("/runs/{run_id}", response=RunOut, summary="One run with its summary")
def run_detail(request: HttpRequest, run_id: int) -> RunOut:
    _staff(request)
    return _run(selectors.get_run_for(request.user, run_id), summary=True)


class ResultFilterIn(Schema):
    """The result table's search and filters (as on the run page): name or code, street code, score range,
    a gap in a category, a recommended catalogue item."""

    q: str = ""
    street: str = ""
    score_min: str = ""
    score_max: str = ""
    gap: str = ""
    item: str = ""


@router.get("/runs/{run_id}/communities", summary="Per-community results of a run: score, gaps, distances")
def run_communities(
    request: HttpRequest, run_id: int, filters: Query[ResultFilterIn]
) -> list[dict[str, Any]]:
    _staff(request)
    run = selectors.get_run_for(request.user, run_id)
    rows = selectors.run_results_filtered(run, selectors.result_filter_from(run, filters.dict()))
    return [views_data.access_row(a) for a in rows]


@router.get(
    "/runs/{run_id}/gaps.geojson", summary="Communities coloured by distance to a category and its gaps"
)
def run_gaps_geojson(
    request: HttpRequest,
    run_id: int,
    filters: Query[ResultFilterIn],
    category: str = Query("elderly_day_care"),
) -> dict[str, Any]:
    _staff(request)
    run = selectors.get_run_for(request.user, run_id)
    return selectors.gaps_geojson(run, category, selectors.result_filter_from(run, filters.dict()))


@router.get("/runs/{run_id}/roads.geojson", summary="The run's road network around its communities")
def run_roads(request: HttpRequest, run_id: int) -> dict[str, Any]:
    _staff(request)
    return views_data.run_roads(selectors.get_run_for(request.user, run_id))


@router.get("/runs/{run_id}/units", summary="Proposed renovation units (连片) of a run")
def run_units(request: HttpRequest, run_id: int) -> list[dict[str, Any]]:
    _staff(request)
    run = selectors.get_run_for(request.user, run_id)
    return selectors.renovation_unit_proposals(run_id=run.pk)


@router.get("/communities/{community_id}/access", summary="A community's latest life-circle result")
def community_access(request: HttpRequest, community_id: int) -> dict[str, Any]:
    _staff(request)
    community = selectors.get_community_for(request.user, community_id)
    return views_data.community_payload(request.user, community)


class SitingIn(Schema):
    category: str
    k: int
    level: str = ""


class SaveIn(Schema):
    note: str = ""


@router.post(
    "/runs/{run_id}/siting", response={201: dict[str, Any]}, summary="Propose k stock sites for a category"
)
def siting_propose(request: HttpRequest, run_id: int, payload: SitingIn) -> Status:
    _staff(request)
    run = selectors.get_run_for(request.user, run_id)
    proposal = services.siting_propose(
        actor=request.user, run=run, category=payload.category, k=payload.k, level=payload.level or None
    )
    return Status(201, views_data.proposal_payload(proposal))


@router.get("/siting/{proposal_id}", summary="A siting proposal")
def siting_detail(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    _staff(request)
    return views_data.proposal_payload(selectors.get_proposal_for(request.user, proposal_id))


@router.post("/siting/{proposal_id}/save", summary="Save a siting result as a proposal")
def siting_save(request: HttpRequest, proposal_id: int, payload: SaveIn) -> dict[str, Any]:
    _staff(request)
    proposal: SitingProposal = selectors.get_proposal_for(request.user, proposal_id)
    return views_data.proposal_payload(
        services.siting_save(actor=request.user, proposal=proposal, note=payload.note)
    )
