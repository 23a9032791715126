"""Every code a page may show, with its Chinese and English label.

Two sources, both explicit: the ``TextChoices`` of the project's models (labels ``"中文 / English"``) and the policy
catalogue (renovation items, aspects, categories, "综合改一次" components, life-circle facilities and levels, 六有
goals, and the rule set's lists: funding sources, pools, departments, modes). ``{{ code|label }}`` in a template
looks the code up here; ``{{ code|label:"Channel" }}`` names the list when one code means different things in two
lists (``open`` is 表决中 for a ballot and 征求意见中 for a consultation).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from gaizao import policy
from gaizao.ui.i18n import in_language, split_bilingual, tr


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def text(self) -> str:
        return tr(self.zh, self.en)


def _choices_of(module: object) -> Iterable[type[models.Choices]]:
    for _, member in inspect.getmembers(module, inspect.isclass):
        if (
            issubclass(member, models.Choices)
            and member is not models.Choices
            and member.__module__.startswith("gaizao.")
        ):
            yield member
        elif issubclass(member, models.Model) and member.__module__.startswith("gaizao."):
            yield from (
                nested
                for nested in vars(member).values()
                if inspect.isclass(nested) and issubclass(nested, models.Choices)
            )


def _policy_lists() -> Iterable[tuple[str, Iterable[tuple[str, str, str]]]]:
    yield "catalogue", ((i.id, i.name_zh, i.name_en) for i in policy.catalogue_items())
    yield "aspect", ((a.id, a.name_zh, a.name_en) for a in policy.catalogue_aspects())
    yield "category", ((c.id, c.name_zh, c.name_en) for c in policy.catalogue_categories())
    yield "bundle", ((b.key, b.name_zh, b.name_en) for b in policy.comprehensive_bundle())
    yield "facility", ((f.id, f.name_zh, f.name_en) for f in policy.life_circle_facilities())
    yield "level", ((lv.id, lv.name_zh, lv.name_en) for lv in policy.life_circle_levels())
    yield "liuyou", ((g.id, g.name_zh, g.name_en) for g in policy.liuyou_goals())
    # where a plan item came from (gaizao.programme PlanVersion.items[].origin)
    yield (
        "origin",
        (
            ("gap", "生活圈缺口", "life-circle gap"),
            ("needs", "居民需求", "residents' needs"),
            ("gap+needs", "缺口与需求", "gap and needs"),
            ("manual", "手工添加", "added by hand"),
        ),
    )
    for name, choices in (
        ("funding_source", policy.funding_sources()),
        ("pool", policy.project_pools()),
        ("department", policy.consultation_departments()),
        ("delivery_mode", policy.delivery_modes()),
        ("bureau", policy.reviewing_bureaus()),
        ("renovation_mode", policy.renovation_modes()),
    ):
        yield name, ((c.id, c.name_zh, c.name_en) for c in choices)


@cache
def catalogue() -> dict[str, dict[str, Label]]:
    """``{list name: {code: Label}}``; a model list is named by its class (``Channel``, ``ProjectState``)."""
    lists: dict[str, dict[str, Label]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("gaizao.") or config.models_module is None:
            continue
        for choices in _choices_of(config.models_module):
            entries = lists.setdefault(choices.__name__, {})
            for value, text in choices.choices:
                zh, en = split_bilingual(str(text))
                entries[str(value)] = Label(zh, en)
    for name, rows in _policy_lists():
        entries = lists.setdefault(name, {})
        for code, zh, en in rows:
            entries.setdefault(code, Label(zh, en))
    return lists


@cache
def _by_code() -> dict[str, Label]:
    """Every code → the label of the first list (model lists first, then policy lists) that has it."""
    out: dict[str, Label] = {}
    for entries in catalogue().values():
        for code, lab in entries.items():
            out.setdefault(code, lab)
    return out


def label_of(code: object, list_name: str | None = None) -> str:
    """The label of ``code`` in the active language; a boolean reads 是 / 否; an unknown code is returned as is.

    Raises
    ------
    KeyError
        ``list_name`` names no list (a typo in a template must not pass silently).
    """
    if code is None or code == "":
        return "—"
    if isinstance(code, bool):
        return tr("是", "yes") if code else tr("否", "no")
    key = str(code)
    if list_name is not None:
        entries = catalogue()[list_name]
        found = entries.get(key)
    else:
        found = _by_code().get(key)
    return found.text() if found is not None else key


#: the objects named in audit actions (``ballot_close``, ``project.planning``)
ACTION_OBJECTS: dict[str, Label] = {
    "analysis": Label("生活圈分析", "analysis"),
    "annual_plan": Label("年度计划", "annual plan"),
    "ballot": Label("表决", "ballot"),
    "consultation": Label("联合会商", "consultation"),
    "evaluation": Label("评价", "evaluation"),
    "needs_survey": Label("需求调查", "needs survey"),
    "needs": Label("需求调查", "needs survey"),
    "network": Label("路网", "road network"),
    "owner_account": Label("业主账户", "owner account"),
    "owner_login": Label("业主登录", "owner login"),
    "plan": Label("改造方案", "plan"),
    "project": Label("项目", "project"),
    "publication": Label("公示", "publication"),
    "report": Label("报事", "report"),
    "roll": Label("业主名册", "owner roll"),
    "siting": Label("选址", "siting"),
    "token": Label("API 令牌", "API token"),
    "unit_rate": Label("单价", "unit rate"),
    "vote": Label("投票", "vote"),
}
#: the state list of a state machine's audit prefix (a move to ``x`` is audited as ``<prefix>.x``)
ACTION_STATES: dict[str, str] = {
    "annual_plan": "AnnualPlanState",
    "ballot": "BallotStatus",
    "consultation": "ConsultationState",
    "plan": "PlanState",
    "project": "ProjectState",
    "publication": "PublicationState",
}
#: the verbs of audit actions
ACTION_VERBS: dict[str, Label] = {
    "archive": Label("归档", "archived"),
    "close": Label("截止", "closed"),
    "comment": Label("意见", "comment"),
    "compile": Label("汇编", "compiled"),
    "correct": Label("更正", "corrected"),
    "create": Label("创建", "created"),
    "finish": Label("完成", "finished"),
    "open": Label("开始", "opened"),
    "opinion": Label("回复意见", "opinion"),
    "otp": Label("验证码", "one-time code"),
    "propose": Label("求解", "proposed"),
    "publish": Label("公布", "published"),
    "record": Label("记录", "recorded"),
    "register": Label("登记", "registered"),
    "remind": Label("提醒", "reminded"),
    "reply": Label("答复", "reply"),
    "respond": Label("答复", "responded"),
    "response": Label("填报", "response"),
    "review": Label("审查", "reviewed"),
    "revoke": Label("撤销", "revoked"),
    "save": Label("保存", "saved"),
    "screen": Label("筛查", "screened"),
    "set": Label("设置", "set"),
    "start": Label("开始", "started"),
    "update": Label("修改", "updated"),
}


def action_label(action: str) -> str:
    """An audit action in words: ``ballot_close`` → 表决 · 截止, ``project.planning`` → 项目 → 谋划一批."""
    if "." in action:
        noun, rest = action.split(".", 1)
        obj = ACTION_OBJECTS.get(noun)
        verb = ACTION_VERBS.get(rest)
        if obj is not None and verb is not None:
            return f"{obj.text()} · {verb.text()}"
        if obj is not None:
            states = ACTION_STATES.get(noun)
            state_list = states if states is not None and rest in catalogue().get(states, {}) else None
            return f"{obj.text()} → {label_of(rest, state_list)}"
        return action
    if action in ACTION_VERBS:
        return ACTION_VERBS[action].text()
    for cut in range(len(action), 0, -1):
        noun, verb_code = action[:cut], action[cut + 1 :]
        if noun in ACTION_OBJECTS and verb_code in ACTION_VERBS:
            return f"{ACTION_OBJECTS[noun].text()} · {ACTION_VERBS[verb_code].text()}"
    return action


#: change keys of audit events that are not fields of the audited model
CHANGE_KEYS: dict[str, Label] = {
    "communities": Label("小区", "communities"),
    "covered_after": Label("覆盖人口（选址后）", "residents covered after"),
    "covered_before": Label("覆盖人口（选址前）", "residents covered before"),
    "decision": Label("意见", "decision"),
    "department": Label("部门", "department"),
    "departments": Label("受邀部门", "departments invited"),
    "duration_s": Label("耗时（秒）", "duration (s)"),
    "edge_count": Label("路段数", "road segments"),
    "gaps": Label("缺口数", "gaps"),
    "items": Label("改造内容项数", "items"),
    "projects": Label("项目", "projects"),
    "roll_units": Label("名册房屋数", "units on the roll"),
    "version": Label("版本", "version"),
}


def field_label(model: type[models.Model], name: str) -> str:
    """A model field's verbose name in the active language (or a known change key's label, or the name itself)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        known = CHANGE_KEYS.get(name)
        return known.text() if known is not None else name
    verbose = getattr(field, "verbose_name", None)
    if not verbose or str(verbose) == name.replace("_", " "):
        return name
    return in_language(str(verbose))
