"""The public portal: programme progress and links to what is under publication. No login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from gaizao.portal.selectors import district_progress, published_figures, totals


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
        },
    )


def progress_json(request: HttpRequest) -> JsonResponse:
    """The same aggregates for the chart (and for anyone who wants them as data)."""
    return JsonResponse({"districts": district_progress()}, json_dumps_params={"ensure_ascii": False})
