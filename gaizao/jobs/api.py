from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Router, Schema

from gaizao.jobs.selectors import get_job_for

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    error: str
    result: dict[str, object]


@router.get("/{job_id}", response=JobOut, summary="Progress of a background job")
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    job = get_job_for(request.user, str(job_id))
    result = {k: v for k, v in job.result.items() if k != "traceback"}
    return JobOut(
        id=job.pk,
        kind=job.kind,
        title=job.title,
        status=job.status,
        done=job.done,
        total=job.total,
        percent=job.percent,
        message=job.message,
        error=job.error,
        result=result,
    )
