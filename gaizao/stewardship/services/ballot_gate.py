"""The ballot gate: every owners' decision of long-term management names the ballot that took it, and this checks
what that ballot actually decided.

:func:`ballot_problems` checks its community, its Art. 278 matter (from the rule set's ``[stewardship.matters]``), its
purpose (a renovation consent, plan approval or elevator ballot decides none of these) and that it was closed with
the Civil Code result "approved" over the whole community; :func:`require_ballot` refuses the write when it did not.
"""

from __future__ import annotations

from typing import Any

from gaizao.errors import ApplicationError
from gaizao.participation.models import Ballot, BallotStatus, Purpose, ScopeKind
from gaizao.policy import stewardship as rules
from gaizao.registry.models import Community

#: Chinese names of the owners' decisions, for messages.
DECISION_NAMES = {
    "fee": "物业服务费标准",
    "fund_top_up": "维修资金续筹",
    "fund_use": "维修资金使用",
    "management_rules": "管理规约",
}


def ballot_problems(ballot: Ballot | None, *, community: Community, decision: str) -> list[str]:
    """What is wrong with ``ballot`` as the owners' decision ``decision`` of ``community`` (empty: it decided it).

    Checks the community, the Art. 278 matter of the rule set, the purpose (not a consent, plan or elevator
    ballot), the scope (the whole community), that counting is over and that the Civil Code result is approval.
    """
    rule = rules.matter_rule(decision)
    label = DECISION_NAMES[decision]
    if ballot is None:
        return [f"尚无{label}的业主表决。/ No owners' ballot for {decision} yet ({rule.clause})."]
    out = []
    if ballot.community_id != community.pk:
        out.append(
            f"表决 #{ballot.pk} 不是小区“{community.name}”的表决。/ ballot #{ballot.pk} is not a ballot of "
            f"{community.name}."
        )
    if ballot.matter != rule.matter:
        out.append(
            f"表决 #{ballot.pk} 的事项是第278条第{ballot.matter}项，{label}须为第{rule.matter}项（{rule.clause}）。/ "
            f"ballot #{ballot.pk} decided Art. 278 matter {ballot.matter}; {decision} needs matter {rule.matter}."
        )
    if ballot.purpose != Purpose.OTHER:
        out.append(
            f"表决 #{ballot.pk} 的用途是“{ballot.get_purpose_display()}”，不是本事项。/ ballot #{ballot.pk} was "
            f"held for {ballot.purpose}, not for {decision}."
        )
    if ballot.scope_kind != ScopeKind.COMMUNITY:
        out.append(
            f"表决 #{ballot.pk} 只涉及部分楼栋，须全体业主表决。/ ballot #{ballot.pk} covered part of the community; "
            "the decision needs all its owners."
        )
    if ballot.status not in (BallotStatus.CLOSED, BallotStatus.PUBLISHED):
        out.append(f"表决 #{ballot.pk} 尚未结束计票。/ ballot #{ballot.pk} is not closed yet.")
    elif ballot.approved is not True:
        out.append(
            f"表决 #{ballot.pk} 未获通过（{rule.clause}）。/ ballot #{ballot.pk} was not approved ({rule.clause})."
        )
    return out


def require_ballot(
    ballot: Ballot | None, *, community: Community, decision: str, field: str = "ballot"
) -> None:
    problems = ballot_problems(ballot, community=community, decision=decision)
    if problems:
        raise ApplicationError(" ".join(problems), field=field, code="ballot_gate")


def _ballot(value: Any, field: str = "ballot") -> Ballot | None:
    if value in (None, ""):
        return None
    if isinstance(value, Ballot):
        return value
    ballot = Ballot.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
    if ballot is None:
        raise ApplicationError("表决不存在。/ ballot: not found.", field=field)
    return ballot
