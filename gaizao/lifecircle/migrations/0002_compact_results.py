"""Life-circle results in the compact per-run layout (issue 19 §3): each run keeps its ``result_layout`` once and
each community row two binary arrays (``gaizao.lifecircle.storage``). Existing results are moved, not dropped."""

from typing import Any

from django.db import migrations, models

BATCH = 2000


def _to_compact(apps: Any, schema_editor: Any) -> None:
    from gaizao.lifecircle import storage

    AnalysisRun = apps.get_model("lifecircle", "AnalysisRun")
    CommunityAccess = apps.get_model("lifecircle", "CommunityAccess")
    for run in AnalysisRun.objects.all().iterator():
        rows = list(CommunityAccess.objects.filter(run_id=run.pk).order_by("pk"))
        if not rows:
            continue
        summary = run.summary if isinstance(run.summary, dict) else {}
        categories = list(summary.get("categories") or sorted({c for r in rows for c in (r.distances or {})}))
        layout = storage.layout_from_rows(
            ({"reachable": r.reachable, "gaps": r.gaps} for r in rows), categories
        )
        for r in rows:
            distances = r.distances or {}
            reachable = r.reachable or {}
            r.distance_blob = storage.pack_distances([distances.get(c) for c in categories])
            r.met_bits = storage.pack_met(
                [bool(reachable.get(chk["level"], {}).get(chk["facility"], False)) for chk in layout["checks"]]
            )
            r.gap_count = len(r.gaps or [])
        CommunityAccess.objects.bulk_update(rows, ["distance_blob", "met_bits", "gap_count"], batch_size=BATCH)
        run.result_layout = layout
        run.save(update_fields=["result_layout"])


def _to_json(apps: Any, schema_editor: Any) -> None:
    from gaizao.lifecircle import storage

    AnalysisRun = apps.get_model("lifecircle", "AnalysisRun")
    CommunityAccess = apps.get_model("lifecircle", "CommunityAccess")
    for run in AnalysisRun.objects.all().iterator():
        layout = run.result_layout or {}
        rows = list(CommunityAccess.objects.filter(run_id=run.pk).order_by("pk"))
        for r in rows:
            met = storage.unpack_met(layout, r.met_bits)
            r.distances = storage.unpack_distances(layout, r.distance_blob)
            r.reachable = storage.reachable(layout, met)
            r.gaps = storage.gaps(layout, met, r.distances)
        CommunityAccess.objects.bulk_update(rows, ["distances", "reachable", "gaps"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("lifecircle", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="analysisrun",
            name="result_layout",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="communityaccess",
            name="distance_blob",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="communityaccess",
            name="met_bits",
            field=models.BinaryField(blank=True, default=b""),
        ),
        migrations.AddField(
            model_name="communityaccess",
            name="gap_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="缺口数 / gaps"),
        ),
        migrations.RunPython(_to_compact, _to_json, elidable=False),
        migrations.RemoveField(model_name="communityaccess", name="distances"),
        migrations.RemoveField(model_name="communityaccess", name="reachable"),
        migrations.RemoveField(model_name="communityaccess", name="gaps"),
    ]
