"""The public portal: programme progress (chart and map), the completed communities with their before / after
pages and funding summaries, and links to what is under publication and to the open data. No login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from gaizao.portal.selectors import (
    completed_communities,
    completed_community,
    district_progress,
    progress_map,
    published_figures,
    totals,
)


def _link(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def index(request: HttpRequest) -> HttpResponse:
    progress = district_progress()
    return render(
        request,
        "portal/index.html",
        {
            "progress": progress,
            "totals": totals(progress),
            "figures": published_figures(),
            "publications_url": _link("programme:public_list"),
            "votes_url": _link("participation:public_list"),
            "completed": completed_communities(),
        },
    )


def progress_json(request: HttpRequest) -> JsonResponse:
    """The same aggregates for the chart (and for anyone who wants them as data)."""
    return JsonResponse({"districts": district_progress()}, json_dumps_params={"ensure_ascii": False})


def map_json(request: HttpRequest) -> JsonResponse:
    """The progress map's data: per district started / completed, and the completed communities as points."""
    return JsonResponse(progress_map(), json_dumps_params={"ensure_ascii": False})


def completed_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/completed_list.html", {"completed": completed_communities()})


def completed(request: HttpRequest, pk: int) -> HttpResponse:
    """One completed community before and after its renovation, with its funding summary (no personal data)."""
    return render(request, "portal/completed.html", {"c": completed_community(pk)})
