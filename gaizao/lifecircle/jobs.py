"""Background jobs of the life-circle app: one analysis run (``lifecircle.analysis``); reading an uploaded road
network (``lifecircle.network_upload``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gaizao.accounts.models import User
from gaizao.jobs.models import Job
from gaizao.jobs.services import register_job
from gaizao.lifecircle.models import AnalysisRun
from gaizao.lifecircle.services import JOB_KIND, NETWORK_JOB_KIND, analysis_run_execute, network_upload_load


@register_job(JOB_KIND)
def run_analysis(job: Job, *, run_id: int) -> dict[str, Any]:
    run = AnalysisRun.objects.select_related("network", "division").get(pk=run_id)
    return analysis_run_execute(run=run, job=job)


@register_job(NETWORK_JOB_KIND)
def load_network_upload(
    job: Job, *, path: str, filename: str, name: str, source: str, actor_id: int
) -> dict[str, Any]:
    """Read the stored upload in a memory-capped child process and register the network; the jobs framework
    removes the upload when the job ends."""
    actor = User.objects.select_related("division").get(pk=actor_id)
    network = network_upload_load(
        actor=actor, path=Path(path), filename=filename, name=name, source=source, job=job
    )
    return {
        "network": network.pk,
        "node_count": network.node_count,
        "component_count": network.component_count,
        "url": "/lifecircle/networks/",
    }
