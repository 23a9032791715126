"""The policy's lists, clauses and calendar as this app uses them — thin calls into ``gaizao.policy``.

Nothing here decides a rule: choices, clauses and deadlines all come from the rule set in force.
"""

from __future__ import annotations

import datetime as dt

from gaizao.policy import get_ruleset
from gaizao.policy import programme as _programme
from gaizao.policy.ruleset import Choice


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def renovation_modes(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.renovation_modes(on or _today())


def delivery_modes(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.delivery_modes(on or _today())


def funding_sources(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.funding_sources(on or _today())


def consultation_departments(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.consultation_departments(on or _today())


def reviewing_bureaus(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.reviewing_bureaus(on or _today())


def project_pools(on: dt.date | None = None) -> tuple[Choice, ...]:
    return _programme.project_pools(on or _today())


def names(choices: tuple[Choice, ...]) -> dict[str, str]:
    return {c.id: c.name_zh for c in choices}


def department_names(on: dt.date | None = None) -> dict[str, str]:
    return names(consultation_departments(on))


def choice_label(choices: tuple[Choice, ...], value: str) -> str:
    for c in choices:
        if c.id == value:
            return f"{c.name_zh} / {c.name_en}"
    return value


def plan_year_in_preparation(on: dt.date | None = None) -> int:
    """The plan year being prepared on ``on``: next year's plan (四(三): submitted by 31 October of the year before;
    a later submission is accepted and flagged late), as the annual plan page proposes. Screening for a project uses
    this year, not today's calendar year (RULES §6a)."""
    return (on or _today()).year + 1


def submission_deadline(plan_year: int) -> dt.date:
    return _programme.plan_submission_deadline(plan_year)


def is_late(plan_year: int, submitted_on: dt.date) -> bool:
    return _programme.is_submission_late(plan_year, submitted_on)


def _first_clause(choices: tuple[Choice, ...], default: str) -> str:
    return choices[0].clause if choices else default


def scope_clause() -> str:
    return str(get_ruleset(_today()).scope.clause)


def vote_clause(on: dt.date | None = None) -> str:
    return str(get_ruleset(on or _today()).vote.clause)


def plan_clause() -> str:
    return _first_clause(delivery_modes(), "杭政办函〔2022〕10号 四(三)")


def consultation_clause() -> str:
    return _first_clause(consultation_departments(), "杭政办函〔2022〕10号 三(二)")


def publication_clause() -> str:
    return _first_clause(project_pools(), "杭政办函〔2022〕10号 四(三)")


def funding_clause() -> str:
    return _first_clause(funding_sources(), "杭政办函〔2022〕10号 三(三)")
