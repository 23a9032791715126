"""Background job of the life-circle app: one analysis run (``lifecircle.analysis``)."""

from __future__ import annotations

from typing import Any

from gaizao.jobs.models import Job
from gaizao.jobs.services import register_job
from gaizao.lifecircle.models import AnalysisRun
from gaizao.lifecircle.services import JOB_KIND, analysis_run_execute


@register_job(JOB_KIND)
def run_analysis(job: Job, *, run_id: int) -> dict[str, Any]:
    run = AnalysisRun.objects.select_related("network", "division").get(pk=run_id)
    return analysis_run_execute(run=run, job=job)
