"""Background jobs of the registry: re-screen every community in the starter's scope."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from gaizao.accounts.models import User
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, register_job

RESCREEN = "registry.rescreen"


@register_job(RESCREEN)
def rescreen_scope(job: Job, *, user_id: int) -> dict[str, Any]:
    """Re-screen (二(一)) all communities the starting officer may read; returns counts by status."""
    from gaizao.registry.selectors import communities_for
    from gaizao.registry.services import communities_rescreen

    user = User.objects.select_related("division").get(pk=user_id)
    job_progress(job, done=0, message="筛查中 / screening")
    counts = communities_rescreen(
        communities=communities_for(user),
        actor=user,
        batch_size=2000,
        audit=True,
        progress=lambda done, total: job_progress(job, done=done, total=total, message=f"{done}/{total}"),
    )
    return {"counts": counts, "total": sum(counts.values()), "url": reverse("registry:screening")}
