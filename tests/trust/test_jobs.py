"""Jobs (issue 18): "a killed worker leaves a job 'running' forever and its upload on disk"."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.utils import timezone

from gaizao.jobs.models import Job, JobStatus
from gaizao.jobs.services import STALE_MESSAGE, job_run, jobs_fail_stale, register_job


@register_job("trust-test-fails")
def _fails(job: Job) -> dict:
    raise ValueError("broken file")


@register_job("trust-test-slow")
def _slow(job: Job) -> dict:
    time.sleep(0.5)
    return {"ok": True}


@pytest.mark.django_db
def test_a_job_whose_worker_died_is_failed_with_a_message_and_its_upload_removed(accounts, tmp_path):
    upload = tmp_path / "upload.xlsx"
    upload.write_bytes(b"data")
    # given a job a worker started, then was killed (its heartbeat stopped ten minutes ago)
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    job = Job.objects.create(
        kind="trust-test-slow",
        title="import",
        owner=accounts["city"],
        status=JobStatus.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        params={"uploads": [str(upload)]},
    )
    fresh = Job.objects.create(
        kind="trust-test-slow",
        title="import",
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    # when its owner looks at it
    client = Client()
    client.force_login(accounts["city"])
    page = client.get(f"/jobs/{job.pk}/")
    # then it is failed with a message, its upload is gone, and a live job is left alone
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == STALE_MESSAGE and job.finished_at is not None
    assert "后台进程已停止" in page.content.decode()
    assert not upload.exists()
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.RUNNING
    assert jobs_fail_stale() == 0


@pytest.mark.django_db
def test_uploads_are_removed_when_a_job_fails(tmp_path):
    upload = tmp_path / "upload.csv"
    upload.write_bytes(b"x")
    job = Job.objects.create(kind="trust-test-fails", title="t", params={"uploads": [str(upload)]})
    assert job_run(str(job.pk)).status == JobStatus.FAILED
    assert not upload.exists()


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats(settings):
    settings.JOB_HEARTBEAT_S = 0.05
    job = Job.objects.create(kind="trust-test-slow", title="t")
    done = job_run(str(job.pk))
    assert done.status == JobStatus.SUCCEEDED
    assert done.heartbeat_at is not None and done.heartbeat_at > done.started_at


@pytest.mark.django_db
def test_overdue_ballots_close_on_schedule(world, accounts):
    from gaizao.participation import services
    from gaizao.participation.models import Ballot, BallotStatus

    ballot = services.ballot_create(
        actor=accounts["qingbomen"],
        community_id=world.community.pk,
        purpose="other",
        matter=7,
        question="q",
    )
    services.ballot_open(actor=accounts["qingbomen"], ballot_id=ballot.pk)
    services.vote_cast(actor=world.residents[0], ballot_id=ballot.pk, choice="yes")
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    assert services.ballots_close_overdue() == [ballot.pk]
    ballot.refresh_from_db()
    assert ballot.status == BallotStatus.CLOSED and ballot.result["chain_head"] == ballot.chain_head
    assert services.ballots_close_overdue() == []
