"""Access-matrix cases for the shell's own pages and API endpoints."""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, STAFF, Case, api_for, page_for, statuses

EVERYONE_LOGGED_IN = tuple(a for a in ACCOUNTS if a != "anonymous")


def _job_url() -> str:
    from gaizao.accounts.models import User
    from gaizao.jobs.models import Job

    job, _ = Job.objects.get_or_create(
        kind="matrix.demo",
        title="matrix",
        owner=User.objects.get(username="shangcheng"),
        defaults={"status": "succeeded"},
    )
    return f"/jobs/{job.pk}/"


def _job_api_url() -> str:
    return "/api/v1" + _job_url().rstrip("/")


CASES = [
    Case("home", "/", page_for(EVERYONE_LOGGED_IN)),
    Case("division map", "/map/", page_for(STAFF)),
    Case("API tokens", "/tokens/", page_for(STAFF)),
    Case("history of an unregistered kind", "/history/accounts.user/1/", page_for((), other=404)),
    Case("job page: only its owner", _job_url, page_for(("shangcheng",))),
    Case("language switch", "/lang/", statuses(302), method="post", data={"language": "en", "next": "/"}),
    Case("login page", "/accounts/login/", statuses(302, anonymous=200)),
    Case("logout", "/accounts/logout/", statuses(302), method="post"),
    Case("API health", "/api/v1/health", statuses(200)),
    Case("API me", "/api/v1/me", api_for(EVERYONE_LOGGED_IN)),
    Case("API divisions", "/api/v1/divisions/", statuses(200)),
    Case("API boundaries", "/api/v1/divisions/boundaries.geojson", statuses(200)),
    Case("API job: only its owner", _job_api_url, api_for(("shangcheng",))),
    Case("API history of an unregistered kind", "/api/v1/audit/accounts.user/1", api_for(())),
]
