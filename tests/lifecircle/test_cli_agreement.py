"""The platform's stored distances are the ones ``gaizao access`` (the spatial CLI) gives for the same inputs."""

from __future__ import annotations

import csv

import pytest

from gaizao.lifecircle.engine import network_file
from gaizao.lifecircle.models import CommunityAccess
from gaizao.registry.models import Facility

pytestmark = pytest.mark.django_db


def test_run_distances_equal_the_cli(run, world, tmp_path):
    from gaizao.spatial.cli import main

    origins = tmp_path / "origins.csv"
    facilities = tmp_path / "facilities.csv"
    out = tmp_path / "out.csv"
    rows = list(CommunityAccess.objects.filter(run=run).select_related("community"))
    with origins.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat"])
        for a in rows:  # one entrance or the centroid each, as the run used
            lon, lat = (
                a.community.entrances[0] if a.community.entrances else (a.community.lon, a.community.lat)
            )
            w.writerow([a.community_id, lon, lat])
    with facilities.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "category", "lon", "lat"])
        for f in Facility.objects.all():
            w.writerow([f.pk, f.category, f.lon, f.lat])
    code = main(
        [
            "--network",
            str(network_file(run.network)),
            "--facilities",
            str(facilities),
            "--origins",
            str(origins),
            "--max-distance",
            str(run.max_distance_m),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    cli = {(r["origin_id"], r["category"]): r["distance_m"] for r in csv.DictReader(out.open())}
    compared = 0
    for a in rows:
        for category in ("elderly_day_care", "bus_stop"):
            text = cli[(str(a.community_id), category)]
            stored = a.distances[category]
            if text == "":
                assert stored is None
            else:
                assert stored == pytest.approx(float(text), abs=0.1)
                compared += 1
    assert compared == 8
