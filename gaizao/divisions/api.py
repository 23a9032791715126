from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from gaizao.divisions.models import Division, DivisionLevel

router = Router(tags=["divisions"])


class DivisionOut(Schema):
    code: str
    name: str
    name_en: str
    level: str
    parent_code: str | None
    center_lon: float | None
    center_lat: float | None


def _out(d: Division) -> DivisionOut:
    return DivisionOut(
        code=d.code,
        name=d.name,
        name_en=d.name_en,
        level=d.level,
        parent_code=d.parent.code if d.parent else None,
        center_lon=d.center_lon,
        center_lat=d.center_lat,
    )


@router.get("/", response=list[DivisionOut], auth=None, summary="Districts, or the children of a division")
def list_divisions(request: HttpRequest, parent: str | None = None) -> list[DivisionOut]:
    """Administrative divisions are public reference data (national codes)."""
    qs = Division.objects.select_related("parent")
    qs = qs.filter(parent__code=parent) if parent else qs.filter(level=DivisionLevel.DISTRICT)
    return [_out(d) for d in qs.order_by("code")]


@router.get("/boundaries.geojson", auth=None, summary="District boundaries as GeoJSON (WGS84)")
def boundaries(request: HttpRequest) -> dict[str, object]:
    features = [
        {
            "type": "Feature",
            "properties": {"code": d.code, "name": d.name, "name_en": d.name_en},
            "geometry": d.boundary,
        }
        for d in Division.objects.filter(level=DivisionLevel.DISTRICT, boundary__isnull=False).order_by(
            "code"
        )
    ]
    return {"type": "FeatureCollection", "features": features}
