"""Background work of delivery: escalate overdue rectification orders in the starter's scope to the district."""

from __future__ import annotations

from typing import Any

from gaizao.accounts.models import User
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, register_job

JOB_KIND = "delivery.escalate_overdue"


@register_job(JOB_KIND)
def escalate_overdue(job: Job, *, user_id: int) -> dict[str, Any]:
    from gaizao.delivery.services import orders_escalate

    user = User.objects.select_related("division").get(pk=user_id)
    n = orders_escalate(user=user)
    job_progress(job, done=1, total=1, message=f"{n} 项整改已上报区县 / orders escalated")
    return {"escalated": n, "url": "/delivery/"}
