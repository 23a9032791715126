"""The programme part of the demo world."""

from __future__ import annotations

import pytest

from gaizao.programme.models import AnnualPlan, Consultation, Project, Publication, UnitRate

pytestmark = pytest.mark.django_db


def test_demo_world_is_complete_and_idempotent(demo_world):
    from gaizao.web.demo import demo_load

    assert UnitRate.objects.filter(division__code="330100").exists()
    assert UnitRate.objects.filter(division__code="330106").exists()
    projects = Project.objects.filter(is_sample=True)
    assert projects.exists(), "the registry demo must give the programme demo its communities"
    assert set(projects.values_list("district__code", flat=True)) == {"330102", "330106"}
    assert set(projects.values_list("state", flat=True)) >= {"reserve", "planning"}
    assert Consultation.objects.filter(
        project__district__code="330102", opinions__department="water"
    ).exists()
    assert Publication.objects.filter(comments__isnull=False).exists()
    assert AnnualPlan.objects.filter(district__code="330102", state="draft").exists()
    # each party answered for itself: no opinion was typed by the district or the city
    roles = set(
        Consultation.objects.filter(project__is_sample=True)
        .exclude(opinions__responded_by=None)
        .values_list("opinions__responded_by__role", flat=True)
    )
    assert roles <= {"department", "utility", None} and "department" in roles
    submitted = AnnualPlan.objects.get(district__code="330106", state="submitted")
    assert submitted.projects.filter(state="implementing").exists() and submitted.version == 1
    count = projects.count()
    implementing = set(
        Project.objects.filter(is_sample=True, state="implementing").values_list("pk", flat=True)
    )
    # the projects in 实施 are delivery's, each through every gate (consent, plan approval, elevator ballots)
    assert implementing
    lines: list[str] = []
    demo_load(out=lines.append)  # a second load on the session's demo world
    assert any("项目 / programme" in line for line in lines)
    assert Project.objects.filter(is_sample=True).count() == count

    # loading twice changed nothing (the access matrix over this world runs in tests/test_access_matrix.py)
    assert set(Project.objects.filter(is_sample=True, state="implementing").values_list("pk", flat=True)) == (
        implementing
    )
    assert AnnualPlan.objects.get(district__code="330102", state="draft").version == 0
    assert AnnualPlan.objects.get(district__code="330106", state="submitted").version == 1


def test_project_page_links_to_its_works_page_through_the_link_registry(client):
    """programme cannot import delivery (layers): delivery registers the link in its AppConfig.ready."""
    from gaizao.accounts.models import User
    from gaizao.delivery.models import Delivery
    from gaizao.web.demo import demo_load

    demo_load(out=lambda _: None)
    delivery = Delivery.objects.filter(project__district__code="330102").select_related("project").first()
    assert delivery is not None
    client.force_login(User.objects.get(username="shangcheng"))
    page = client.get(f"/programme/projects/{delivery.project_id}/").content.decode()
    assert f'href="/delivery/{delivery.pk}/" data-link="delivery.works"' in page
    without = Project.objects.filter(is_sample=True, district__code="330102", delivery__isnull=True).first()
    assert (
        'data-link="delivery.works"' not in client.get(f"/programme/projects/{without.pk}/").content.decode()
    )
    client.force_login(User.objects.get(username="xihu"))
    assert client.get(f"/programme/projects/{delivery.project_id}/").status_code == 404


def test_demo_consent_vote_runs_on_a_complete_roll_and_conditions_name_what_is_missing(demo_world):
    from gaizao.programme.models import ProjectBallot
    from gaizao.programme.services import implementation_conditions

    # a project still in planning (delivery's demo takes its own projects, voted through, to 实施)
    link = (
        ProjectBallot.objects.select_related("ballot", "project")
        .filter(purpose="renovation_consent")
        .exclude(project__state="implementing")
        .first()
    )
    assert link is not None, "the demo world has a renovation-consent ballot"
    assert link.ballot.approved is True
    assert link.ballot.roll.count() == link.community.households
    conditions = {c.code: c for c in implementation_conditions(link.project)}
    assert conditions["vote.renovation_consent"].met
    assert not conditions["vote.plan_approval"].met
    assert conditions["vote.elevator"].met  # the published stairwell ballot of the participation demo
