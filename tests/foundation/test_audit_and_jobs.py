from __future__ import annotations

import pytest
from django.db import transaction

from gaizao.accounts.services import api_token_create, api_token_revoke
from gaizao.audit.models import AuditEvent
from gaizao.audit.selectors import history_of
from gaizao.audit.services import audit_record, diff_fields
from gaizao.errors import ApplicationError, NotFoundError
from gaizao.jobs.models import Job, JobStatus
from gaizao.jobs.services import job_progress, job_run, job_start, register_job


@register_job("test.count")
def _count(job, *, upto: int, fail_at: int | None = None):
    for i in range(1, upto + 1):
        if i == fail_at:
            raise ApplicationError(f"第 {i} 步失败。/ Step {i} failed.")
        job_progress(job, done=i, total=upto, message=f"step {i}")
    return {"counted": upto, "url": "/"}


@pytest.mark.django_db
def test_token_create_records_an_audit_event_without_the_secret(accounts):
    user = accounts["shangcheng"]
    token, raw = api_token_create(user=user, name="GIS 系统")
    assert raw.startswith("gz_") and token.digest != raw and raw not in str(AuditEvent.objects.values())
    event = history_of(token).get()
    assert (
        event.action == "token_create"
        and event.actor == user
        and event.changes == {"name": [None, "GIS 系统"]}
    )
    api_token_revoke(user=user, token_id=token.pk)
    assert [e.action for e in history_of(token)] == ["token_revoke", "token_create"]


@pytest.mark.django_db
def test_token_errors_name_the_field(accounts):
    with pytest.raises(ApplicationError) as err:
        api_token_create(user=accounts["city"], name="  ")
    assert err.value.field == "name"
    with pytest.raises(NotFoundError):
        api_token_revoke(user=accounts["city"], token_id=999999)


@pytest.mark.django_db
def test_audit_record_refuses_to_run_outside_a_transaction(accounts):
    with pytest.raises(RuntimeError):
        # pytest-django wraps tests in atomic; leave it to prove the guard
        with transaction.atomic():
            pass
        conn = transaction.get_connection()
        saved = conn.in_atomic_block
        conn.in_atomic_block = False
        try:
            audit_record(actor=None, action="x", obj=accounts["city"])
        finally:
            conn.in_atomic_block = saved


def test_diff_fields_redacts_secrets_and_keeps_changes():
    changed = diff_fields({"name": "a", "phone": "1", "same": 1}, {"name": "b", "phone": "2", "same": 1})
    assert changed == {"name": ["a", "b"], "phone": ["***", "***"]}


@pytest.mark.django_db(transaction=True)
def test_job_runs_in_background_and_reports_progress(accounts):
    with transaction.atomic():
        job = job_start(kind="test.count", title="数数", owner=accounts["city"], params={"upto": 3})
    job.refresh_from_db()
    # the immediate backend ran it on commit
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.result == {"counted": 3, "url": "/"}


@pytest.mark.django_db
def test_failed_job_records_the_message(accounts):
    job = Job.objects.create(
        kind="test.count", title="t", owner=accounts["city"], params={"upto": 5, "fail_at": 2}
    )
    job = job_run(str(job.pk))
    assert job.status == JobStatus.FAILED
    assert job.error == "第 2 步失败。/ Step 2 failed."
    assert job.done == 1


@pytest.mark.django_db
def test_archiving_keeps_the_row_and_records_why(accounts):
    from gaizao.audit.services import record_archive
    from gaizao.divisions.models import Division
    from gaizao.registry.models import Community

    community = Community.objects.create(
        code="ARC-1", name="归档测试", division=Division.objects.get(code="330102001")
    )
    with pytest.raises(ApplicationError) as err:
        record_archive(actor=accounts["shangcheng"], obj=community, reason="  ")
    assert err.value.field == "reason"
    record_archive(actor=accounts["shangcheng"], obj=community, reason="已拆除重建")
    community.refresh_from_db()
    assert community.is_archived and community.archive_reason == "已拆除重建"
    event = history_of(community).get()
    assert (event.action, event.reason, event.division_path) == (
        "archive",
        "已拆除重建",
        "330100/330102/330102001",
    )
