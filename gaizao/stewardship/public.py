"""What the public sees of a stewarded community, without login (民法典 第281条: the maintenance fund's
collection and use are disclosed periodically): the serving company, adopted conventions, the fund's disclosures
and the ballots behind its uses. Built from a fixed list of fields — no resident's name, phone or unit, and the
company's contact person and phone are masked."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse

from gaizao.accounts.access import mask_name, mask_phone
from gaizao.participation.models import Ballot
from gaizao.registry.models import Community
from gaizao.stewardship import selectors
from gaizao.stewardship.models import Convention, FundEntryKind


def _ballot(ballot_id: int | None) -> dict[str, Any] | None:
    if ballot_id is None:
        return None
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None:
        return None
    result = ballot.result or {}
    return {
        "id": ballot.pk,
        "matter": ballot.matter,
        "question": ballot.question,
        "approved": ballot.approved,
        "yes_area_ratio": (result.get("yes_area_ratio") or {}).get("fraction"),
        "yes_owners_ratio": (result.get("yes_owners_ratio") or {}).get("fraction"),
        "yes_area_percent": _percent(result.get("yes_area_ratio")),
        "yes_owners_percent": _percent(result.get("yes_owners_ratio")),
    }


def _percent(ratio: dict[str, Any] | None) -> str | None:
    """A tally ratio as a percentage to 0.1 (what a resident reads), e.g. ``90.0%``."""
    if not ratio or ratio.get("value") is None:
        return None
    return f"{float(ratio['value']) * 100:.1f}%"


def community_view(community: Community) -> dict[str, Any]:
    contract = selectors.active_contract(community)
    disclosures = []
    for d in selectors.disclosures(community):
        disclosures.append(
            {
                "period_start": d.period_start.isoformat(),
                "period_end": d.period_end.isoformat(),
                "opening": str(d.opening),
                "income": str(d.income),
                "spending": str(d.spending),
                "closing": str(d.closing),
                "published_at": d.published_at.date().isoformat(),
                "entries": [
                    {
                        "on": e["on"],
                        "kind": e["kind"],
                        "kind_label": str(FundEntryKind(e["kind"]).label),
                        "amount": e["amount"],
                        "description": e["description"],
                        "ballot": _ballot(e.get("ballot")),
                    }
                    for e in d.entries
                ],
            }
        )
    return {
        "community": {"id": community.pk, "name": community.name, "division": community.division.name},
        "company": (
            {
                "name": contract.company.name,
                "credit_code": contract.company.credit_code,
                "contact": mask_name(contract.company.contact),
                "phone": mask_phone(contract.company.phone),
                "fee_yuan_per_m2_month": str(contract.fee_yuan_per_m2_month),
                "starts_on": contract.starts_on.isoformat(),
                "ends_on": contract.ends_on.isoformat(),
                "scope": contract.scope,
            }
            if contract
            else None
        ),
        "conventions": [
            {
                "id": c.pk,
                "kind": c.kind,
                "title": c.title,
                "adopted_on": c.adopted_on.isoformat(),
                "ballot": _ballot(c.ballot_id),
                "url": reverse("stewardship:public_convention", args=[c.pk]),
            }
            for c in selectors.conventions(community)
        ],
        "disclosures": disclosures,
        "disclosure_clause": "民法典 第281条",
    }


def file_response(convention: Convention) -> FileResponse:
    if not convention.file:
        raise Http404
    name = convention.file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        convention.file.open("rb"), as_attachment=True, filename=name, content_type=content_type
    )
