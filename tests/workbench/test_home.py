"""The workbench (工作台): each role sees what needs it now, the figures of its scope and recent activity."""

from __future__ import annotations

import re

import pytest

from gaizao.ui import todos
from gaizao.ui.todos import Todo, register_todo, registered_keys, todos_for

TODO = re.compile(r'data-todo="([^"]+)" data-count="(\d+)"')


def shown_todos(client, user) -> dict[str, int]:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {key: int(n) for key, n in TODO.findall(response.content.decode())}


def test_builtin_providers_are_registered_in_order():
    assert registered_keys()[:4] == [
        "participation.ballots_closing",
        "programme.consultations_awaiting",
        "programme.consultations_waiting_departments",
        "programme.annual_plans_to_review",
    ]
    assert "registry.imports_with_errors" in registered_keys()


def test_a_key_cannot_be_claimed_twice(monkeypatch):
    monkeypatch.setattr(todos, "_PROVIDERS", dict(todos._PROVIDERS))

    def mine(user):
        return None

    register_todo("test.mine", mine)
    register_todo("test.mine", mine)  # the same provider again (a second ready()) is harmless
    with pytest.raises(ValueError, match="already registered"):
        register_todo("test.mine", lambda user: None)
    with pytest.raises(ValueError, match="tone"):
        Todo("甲", "A", 1, "/", tone="loud")


@pytest.mark.django_db
def test_a_later_app_adds_its_todo_through_the_registry(monkeypatch, client, users):
    monkeypatch.setattr(todos, "_PROVIDERS", dict(todos._PROVIDERS))

    def rectifications_overdue(user):
        if user.role != "district_officer":
            return None
        return Todo("逾期未整改", "Rectifications overdue", 2, "/delivery/", tone="danger")

    register_todo("delivery.rectifications_overdue", rectifications_overdue, order=40)
    assert shown_todos(client, users["shangcheng"])["delivery.rectifications_overdue"] == 2
    assert "delivery.rectifications_overdue" not in shown_todos(client, users["qingbomen"])


@pytest.mark.django_db
def test_each_role_sees_its_own_work(client, users, matters):
    district = shown_todos(client, users["shangcheng"])
    assert district["participation.ballots_closing"] == 1
    assert district["programme.consultations_awaiting"] == 0  # departments answer for themselves
    assert district["programme.consultations_waiting_departments"] == 1  # water has not answered: remind it
    assert district["registry.imports_with_errors"] == 1
    assert "programme.annual_plans_to_review" not in district

    water = shown_todos(client, users["water"])
    assert water["programme.consultations_awaiting"] == 1  # its own pending opinion
    assert "registry.imports_with_errors" in water and water["registry.imports_with_errors"] == 0

    from gaizao.accounts.models import Role, User
    from gaizao.programme.models import ConsultationOpinion

    ConsultationOpinion.objects.create(consultation=matters["consultation"], department="finance", order=3)
    finance = User.objects.create(
        username="caizheng", role=Role.DEPARTMENT, department="finance", division=users["shangcheng"].division
    )
    assert shown_todos(client, finance)["programme.consultations_awaiting"] == 1  # its own pending opinion

    reviewer = shown_todos(client, users["ndrc"])
    assert reviewer["programme.annual_plans_to_review"] == 1
    city = shown_todos(client, users["city"])
    assert city["programme.annual_plans_to_review"] == 1

    other_district = shown_todos(client, users["xihu"])
    assert other_district["participation.ballots_closing"] == 0  # out of scope
    assert other_district["programme.consultations_awaiting"] == 0
    assert other_district["programme.consultations_waiting_departments"] == 0
    assert "programme.consultations_waiting_departments" not in water

    resident = shown_todos(client, users["resident"])
    assert set(resident) == {"participation.ballots_closing"}


@pytest.mark.django_db
def test_todo_cards_link_to_the_matter(client, users, matters):
    client.force_login(users["water"])
    html = client.get("/").content.decode()
    assert f'href="/programme/consultations/{matters["consultation"].pk}/"' in html
    assert "待回复：供水" in html or "待回复：水" in html
    client.force_login(users["shangcheng"])
    html = client.get("/").content.decode()
    assert f'href="/registry/import/{matters["job"].pk}/"' in html
    assert "1 行有错误" in html
    assert f'href="/participation/ballots/{matters["ballot"].pk}/"' in html


@pytest.mark.django_db
def test_key_figures_and_recent_activity_of_the_scope(client, users, matters):
    client.force_login(users["shangcheng"])
    html = client.get("/").content.decode()
    assert 'data-figure="communities"' in html
    assert 'id="home-chart-data"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "项目 → 谋划一批" in html  # the audit event, in words
    client.force_login(users["xihu"])
    html = client.get("/").content.decode()
    assert "项目 → 谋划一批" not in html  # another district's activity stays out of sight
    client.force_login(users["resident"])
    html = client.get("/").content.decode()
    assert 'id="figures"' not in html and 'id="activity"' not in html


@pytest.mark.django_db
def test_todos_with_work_come_first(users, matters):
    todos_ = todos_for(users["ndrc"])
    busy = [t.key for t in todos_ if t.count]
    assert "programme.annual_plans_to_review" in busy and [t.key for t in todos_[: len(busy)]] == busy
    assert [t.count for t in todos_] == sorted((t.count for t in todos_), key=lambda n: n == 0)


@pytest.mark.django_db
def test_reports_and_publication_comments_to_answer(client, users, matters):
    community = shown_todos(client, users["qingbomen"])
    assert community["participation.reports_to_answer"] == 1
    assert community["programme.comments_to_answer"] == 1
    street = shown_todos(client, users["qingbo"])
    assert street["programme.comments_to_answer"] == 1
    other = shown_todos(client, users["xihu"])
    assert other["participation.reports_to_answer"] == 0 and other["programme.comments_to_answer"] == 0
    assert "participation.reports_to_answer" not in shown_todos(client, users["water"])  # not a writer
    html = client.get("/").content.decode()
    assert "participation.reports_to_answer" not in html
    client.force_login(users["qingbomen"])
    html = client.get("/").content.decode()
    assert f'href="/participation/reports/{matters["report"].pk}/"' in html
    assert f'href="/programme/publications/{matters["publication"].pk}/"' in html


@pytest.mark.django_db
def test_a_returned_annual_plan_is_the_district_officers_todo(client, users, matters):
    plan = matters["plan"]
    assert shown_todos(client, users["shangcheng"])["programme.annual_plans_returned"] == 0
    plan.state = "returned"
    plan.save(update_fields=["state"])
    assert shown_todos(client, users["shangcheng"])["programme.annual_plans_returned"] == 1
    assert shown_todos(client, users["xihu"])["programme.annual_plans_returned"] == 0
    assert "programme.annual_plans_returned" not in shown_todos(client, users["city"])
