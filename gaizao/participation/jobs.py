"""Background work of participation: close every open ballot in the starter's scope whose closing time has passed,
and send one-time login codes (every code request is a job; only an owner's phone receives the code)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from gaizao.accounts.access import scoped
from gaizao.accounts.models import User
from gaizao.errors import ApplicationError
from gaizao.jobs.models import Job
from gaizao.jobs.services import job_progress, register_job
from gaizao.participation.models import Ballot, BallotStatus
from gaizao.participation.services.login import OTP_JOB_KIND, otp_deliver

JOB_KIND = "participation.close_due"


def due_ballots(user: Any):
    """Open ballots in ``user``'s scope whose closing time has passed."""
    qs = Ballot.objects.filter(status=BallotStatus.OPEN, closes_at__lt=timezone.now())
    return scoped(qs, user, field="community__division__path").order_by("closes_at", "pk")


@register_job(JOB_KIND)
def close_due_ballots(job: Job, *, user_id: int) -> dict[str, Any]:
    from gaizao.participation.services import ballot_close

    user = User.objects.select_related("division").get(pk=user_id)
    due = list(due_ballots(user).values_list("pk", flat=True))
    closed: list[int] = []
    refused: dict[str, str] = {}
    for done, ballot_id in enumerate(due, start=1):
        try:
            ballot_close(actor=user, ballot_id=ballot_id)
            closed.append(ballot_id)
        except ApplicationError as exc:
            refused[str(ballot_id)] = exc.message
        job_progress(job, done=done, total=len(due), message=f"{len(closed)} 已截止 / closed")
    return {"closed": closed, "refused": refused, "url": "/participation/"}


@register_job(OTP_JOB_KIND)
def otp_send(job: Job, *, phone: str, nonce: str) -> dict[str, Any]:
    otp_deliver(phone=phone, nonce=nonce)
    # the nonce derives the code: once the send is done it is not kept (the result does not say who got a code)
    Job.objects.filter(pk=job.pk).update(params={})
    return {}
