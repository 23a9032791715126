"""Gaizao policy core: the rules of Hangzhou's old residential community renovation programme, as pure Python.

No Django here. Apps turn their models into plain inputs, call these functions and store the decision with its
reasons. Every decision carries :class:`Reason` objects citing the clause applied. Invalid input raises
:class:`PolicyInputError` naming the field. Rule numbers live in data files (``rulesets/*.toml``) with effective
dates; :func:`get_ruleset` picks the one in force.

See ``docs/policy.md`` for each rule, its clause and a worked example.
"""

from __future__ import annotations

from gaizao.policy.catalogue import (
    Aspect,
    BundleComponent,
    CatalogueItem,
    Category,
    LiuyouGoal,
    catalogue_aspects,
    catalogue_categories,
    catalogue_item,
    catalogue_items,
    comprehensive_bundle,
    liuyou_goals,
)
from gaizao.policy.districts import (
    HANGZHOU_CITY_CODE,
    WEST_LAKE_SCENIC_AREA_CODE,
    districts,
    resolve_district,
)
from gaizao.policy.errors import PolicyInputError, RuleSetError
from gaizao.policy.funding import (
    FundingCommunity,
    excluded_cost_of,
    funding_problems,
    subsidy_commitment_date,
)
from gaizao.policy.life_circles import (
    LEVELS_DO_NOT_SUBSTITUTE,
    FacilityStandard,
    LifeCircleLevel,
    facility_ids,
    life_circle_facilities,
    life_circle_levels,
)
from gaizao.policy.money import split_largest_remainder, to_fen
from gaizao.policy.programme import (
    consultation_departments,
    delivery_modes,
    funding_sources,
    is_submission_late,
    plan_period_for,
    plan_periods,
    plan_submission_deadline,
    project_pools,
    renovation_modes,
    reviewing_bureaus,
)
from gaizao.policy.reasons import Reason
from gaizao.policy.ruleset import (
    Choice,
    District,
    Param,
    PlanPeriod,
    RuleSet,
    Target,
    Threshold,
    all_rulesets,
    get_ruleset,
    load_rulesets,
)
from gaizao.policy.scope import ScopeDecision, assess_scope
from gaizao.policy.subsidy import SubsidyDecision, municipal_subsidy
from gaizao.policy.votes import (
    Unit,
    VoteMatter,
    VoteTally,
    exclusive_area,
    matter_not_lower,
    tally_owner_vote,
    vote_matters,
)

__all__ = [
    "HANGZHOU_CITY_CODE",
    "LEVELS_DO_NOT_SUBSTITUTE",
    "WEST_LAKE_SCENIC_AREA_CODE",
    "Aspect",
    "BundleComponent",
    "CatalogueItem",
    "Category",
    "Choice",
    "District",
    "FacilityStandard",
    "FundingCommunity",
    "LifeCircleLevel",
    "LiuyouGoal",
    "Param",
    "PlanPeriod",
    "PolicyInputError",
    "Reason",
    "RuleSet",
    "RuleSetError",
    "ScopeDecision",
    "SubsidyDecision",
    "Target",
    "Threshold",
    "Unit",
    "VoteMatter",
    "VoteTally",
    "all_rulesets",
    "assess_scope",
    "catalogue_aspects",
    "catalogue_categories",
    "catalogue_item",
    "catalogue_items",
    "comprehensive_bundle",
    "consultation_departments",
    "delivery_modes",
    "districts",
    "excluded_cost_of",
    "exclusive_area",
    "facility_ids",
    "funding_problems",
    "funding_sources",
    "get_ruleset",
    "is_submission_late",
    "life_circle_facilities",
    "life_circle_levels",
    "liuyou_goals",
    "load_rulesets",
    "matter_not_lower",
    "municipal_subsidy",
    "plan_period_for",
    "plan_periods",
    "plan_submission_deadline",
    "project_pools",
    "renovation_modes",
    "split_largest_remainder",
    "subsidy_commitment_date",
    "to_fen",
    "resolve_district",
    "reviewing_bureaus",
    "tally_owner_vote",
    "vote_matters",
]
