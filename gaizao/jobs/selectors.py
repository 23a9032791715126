from __future__ import annotations

from typing import Any

from django.http import Http404

from gaizao.jobs.models import Job


def get_job_for(user: Any, job_id: str) -> Job:
    """A job is visible to the account that started it (and to superusers)."""
    from gaizao.jobs.services import jobs_fail_stale

    jobs_fail_stale()  # a job whose worker died shows as failed with a message, not "running" forever
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise Http404
    if not user.is_authenticated:
        raise Http404
    if job.owner_id != user.pk and not user.is_superuser:
        raise Http404
    return job
