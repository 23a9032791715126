"""Who may do what: the officers, the keepers of a community's records and the property service company serving
it. Each write has a ``can_<move>`` used by the service, the page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from gaizao.accounts.access import can_write
from gaizao.accounts.models import Role
from gaizao.delivery import services as delivery_services
from gaizao.delivery.models import Delivery, Finding, Organisation, Stage
from gaizao.participation.models import SupervisionReport
from gaizao.programme.models import Project
from gaizao.registry.models import Community
from gaizao.stewardship.models import FollowUp, PropertyContract, StewardMember

#: Officers who agree management plans and record contracts (as in delivery).
OFFICER_ROLES = frozenset({Role.CITY_COORDINATOR, Role.DISTRICT_OFFICER, Role.STREET_IMPLEMENTER})
#: Who keeps a community's records (fund, conventions, disclosures, fees): the officers and the community.
KEEPER_ROLES = OFFICER_ROLES | {Role.COMMUNITY_ORGANISER}


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_officer_for(user: Any, division: Any) -> bool:
    if not _active(user):
        return False
    if user.role not in OFFICER_ROLES:
        return False
    return can_write(user, division)


def is_keeper_for(user: Any, community: Community) -> bool:
    if not _active(user):
        return False
    if user.role not in KEEPER_ROLES:
        return False
    return can_write(user, community.division)


def company_of(user: Any) -> Organisation | None:
    """The property service company a Role.PROPERTY_SERVICE account speaks for (None for anyone else)."""
    if not _active(user):
        return None
    if user.role != Role.PROPERTY_SERVICE:
        return None
    member = StewardMember.objects.select_related("organisation").filter(user=user).first()
    return member.organisation if member else None


def serves(user: Any, community: Community, on: dt.date | None = None) -> bool:
    """Whether ``user`` speaks for a company under contract in ``community`` on ``on`` (default today)."""
    company = company_of(user)
    if company is None:
        return False
    day = on or timezone.localdate()
    return PropertyContract.objects.filter(
        community=community, company=company, starts_on__lte=day, ends_on__gte=day
    ).exists()


def can_plan(user: Any, project: Project) -> bool:
    return is_officer_for(user, project.division)


def can_link_member(user: Any) -> bool:
    return bool(_active(user) and user.role in OFFICER_ROLES and user.division_id)


def can_add_contract(user: Any, community: Community) -> bool:
    return is_officer_for(user, community.division)


def can_keep(user: Any, community: Community) -> bool:
    """Fund entries, disclosures and conventions of ``community``."""
    return is_keeper_for(user, community)


def can_record_fees(user: Any, community: Community) -> bool:
    return is_keeper_for(user, community) or serves(user, community)


def can_inspect(user: Any, followup: FollowUp) -> bool:
    delivery = followup.delivery
    return (
        not followup.done
        and delivery.stage == Stage.HANDED_OVER
        and delivery_services.inspector_level(user, delivery) is not None
    )


def can_schedule(user: Any, delivery: Delivery) -> bool:
    return delivery.stage == Stage.HANDED_OVER and is_officer_for(user, delivery.project.division)


def can_record_finding(user: Any, delivery: Delivery, community: Community) -> bool:
    """A property service company's account may record a finding on the handed-over works of a community its
    company serves today (a contract in force), and only there."""
    return (
        delivery.stage == Stage.HANDED_OVER
        and serves(user, community)
        and delivery.project.communities.filter(pk=community.pk).exists()
    )


def can_take_report(user: Any, delivery: Delivery, report: SupervisionReport) -> bool:
    return (
        delivery.stage == Stage.HANDED_OVER
        and is_officer_for(user, delivery.project.division)
        and delivery.project.communities.filter(pk=report.community_id).exists()
        and not Finding.objects.filter(report=report).exists()
    )
