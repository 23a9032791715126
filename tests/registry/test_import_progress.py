"""The import's progress moves through validation and through the write, and a job's progress reported inside the
write's transaction is written by the heartbeat thread's own connection."""

from __future__ import annotations

import pytest

from gaizao.registry.importing import import_file
from tests.registry.test_import_helpers import HEADERS, community_row, csv_bytes

pytestmark = pytest.mark.django_db


def test_progress_moves_during_validation_and_write(accounts):
    calls: list[tuple[int, int, str]] = []
    rows = [community_row(i) for i in range(4500)]
    report = import_file(
        kind="communities",
        data=csv_bytes(HEADERS, rows),
        filename="c.csv",
        actor=accounts["shangcheng"],
        progress=lambda done, total, message: calls.append((done, total, message)),
    )
    assert report.written and report.created == 4500
    assert {total for _, total, _ in calls} == {4500}
    validating = [d for d, _, m in calls if m.startswith("校验中")]
    writing = [d for d, _, m in calls if m.startswith("写入中")]
    assert validating and max(validating) <= 2250
    # 4,500 rows and 4,500 audit events in batches of 2,000: six steps inside the write, ending at the total
    assert len(writing) >= 6 and writing == sorted(writing) and writing[0] == 2250 and writing[-1] == 4500
    assert len(set(writing)) >= 5


def test_progress_inside_a_transaction_goes_through_the_heartbeat(accounts, monkeypatch):
    from django.db import transaction

    from gaizao.jobs import services
    from gaizao.jobs.models import Job

    job = Job.objects.create(kind="registry.import", title="t", owner=accounts["city"], params={})
    beat = services._Heartbeat(job.pk)
    beat.depth = len(transaction.get_connection().atomic_blocks)  # the test's own transaction
    posted: list[dict] = []
    monkeypatch.setattr(beat, "post", posted.append)
    services._BEATS[job.pk] = beat
    try:
        with transaction.atomic():
            services.job_progress(job, done=5, total=10, message="写入中 / writing 50%")
    finally:
        services._BEATS.pop(job.pk)
    assert posted == [{"done": 5, "total": 10, "message": "写入中 / writing 50%"}]
    assert Job.objects.get(pk=job.pk).done == 0  # not written by the handler's own connection
