"""Rule sets: dated data files, validated on load, picked by date."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from gaizao.policy import PolicyInputError, RuleSetError, all_rulesets, get_ruleset, load_rulesets
from gaizao.policy.ruleset import RULESET_DIR


def test_shipped_rule_sets_load_and_do_not_overlap() -> None:
    rulesets = all_rulesets()
    assert [r.id for r in rulesets] == ["hz-2019-72", "hz-2022-10"]
    assert rulesets[0].effective_to == date(2022, 3, 16)
    assert rulesets[1].effective_from == date(2022, 3, 17)
    assert rulesets[1].effective_to is None


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2019, 8, 15), "hz-2019-72"),
        (date(2022, 3, 16), "hz-2019-72"),
        (date(2022, 3, 17), "hz-2022-10"),
        (date(2099, 1, 1), "hz-2022-10"),
        (datetime(2022, 3, 17, 0, 1), "hz-2022-10"),
    ],
)
def test_rule_set_in_force(on: date, expected: str) -> None:
    assert get_ruleset(on).id == expected


def test_date_before_every_rule_set_is_refused() -> None:
    with pytest.raises(PolicyInputError) as caught:
        get_ruleset(date(2019, 8, 14))
    assert caught.value.field == "on"
    assert "2019-08-14" in str(caught.value) and "hz-2019-72" in str(caught.value)


def test_get_ruleset_refuses_a_non_date() -> None:
    with pytest.raises(PolicyInputError, match="on: expected a date"):
        get_ruleset("2024-01-01")  # type: ignore[arg-type]


def test_every_number_carries_a_clause_and_2022_values_are_verified() -> None:
    current = get_ruleset(date(2024, 1, 1))
    assert current.scope.built_by.value == date(2000, 12, 31)
    assert current.scope.built_by.clause == "杭政办函〔2022〕10号 二(一)"
    assert current.scope.recent_renovation_window_years.value == 5
    assert str(current.subsidy.cap_per_m2.value) == "400"
    assert current.subsidy.cap_per_m2.clause == "杭政办函〔2022〕10号 三(三)2"
    assert current.subsidy.cap_per_m2.verified
    assert current.vote.approval_for(7).matters == (6, 7, 8)
    assert current.vote.renovation_consent_matter.value == 7


def test_2019_rule_set_is_unverified_and_recites_its_own_document() -> None:
    old = get_ruleset(date(2020, 1, 1))
    assert old.verified is False
    assert old.scope.built_by.verified is False
    assert old.subsidy.cap_per_m2.clause == "杭政办函〔2019〕72号（条款待核实）"
    assert all(c.clause.startswith("杭政办函〔2019〕72号") for c in old.funding_sources)
    assert old.vote.quorum.clause == "民法典 第278条第二款"  # not the Hangzhou document: kept as is
    assert {d.name_zh for d in old.subsidy.districts} >= {"下城区", "江干区"}


def copy_rulesets(tmp_path: Path) -> Path:
    target = tmp_path / "rulesets"
    shutil.copytree(RULESET_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_adding_a_revision_is_adding_a_file(tmp_path: Path) -> None:
    folder = copy_rulesets(tmp_path)
    current = (folder / "hz-2022-10.toml").read_text(encoding="utf-8")
    (folder / "hz-2022-10.toml").write_text(
        current.replace("# effective_to is absent", "effective_to = 2026-12-31\n#"), encoding="utf-8"
    )
    (folder / "hz-2027-1.toml").write_text(
        'id = "hz-2027-1"\ndocument = "杭政办函〔2027〕1号"\ntitle_zh = "示例"\ntitle_en = "Example"\n'
        'effective_from = 2027-01-01\nbased_on = "hz-2022-10"\nverified = false\n'
        '[subsidy]\ncap_per_m2 = { value = "450", clause = "杭政办函〔2027〕1号 三" }\n',
        encoding="utf-8",
    )
    rulesets = load_rulesets(folder)
    assert [r.id for r in rulesets] == ["hz-2019-72", "hz-2022-10", "hz-2027-1"]
    assert str(rulesets[2].subsidy.cap_per_m2.value) == "450"
    assert rulesets[2].subsidy.districts[0].name_zh == "上城区"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'share = "0.50" },\n  { code = "330105"',
            'share = "1.5" },\n  { code = "330105"',
            "share: 1.5 is more than 1",
        ),
        (
            'share = "0.50" },\n  { code = "330105"',
            'share = 0.5 },\n  { code = "330105"',
            "expected a decimal string",
        ),
        ('cap_per_m2 = { value = "400"', 'cap_per_m2 = { valu = "400"', "subsidy.cap_per_m2.value: missing"),
        ('area = "2/3"', 'area = "2/0"', "vote.quorum.area: '2/0' is not a fraction"),
        (
            "matters = [6, 7, 8]",
            "matters = [6, 7]",
            "vote.approval: the matters must cover 1..9 exactly once",
        ),
        ('comparison = "more_than"', 'comparison = "most"', "vote.approval[1].comparison"),
        ("month = 10, day = 31", "month = 2, day = 30", "calendar.plan_submission.day: 2-30 is not a date"),
        ('id = "hz-2022-10"', 'id = "hz-2022-11"', "id: 'hz-2022-11' does not match the file name"),
        ("effective_from = 2022-03-17", "effective_from = 2022-03-16", "overlaps hz-2019-72"),
        ("[scope]\nclause", '[scope]\nklause = "x"\nclause', "scope.klause: unknown key"),
        (
            'plan_submitted_to = "city_construction_committee"',
            'plan_submitted_to = "mayor"',
            "not a reviewing bureau",
        ),
        ('id = "implementing"', 'id = "planning"', "project_pools: duplicate id 'planning'"),
        ("[scope]", "[scope", "is not valid TOML"),
    ],
)
def test_loading_names_the_file_and_key_of_any_error(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    folder = copy_rulesets(tmp_path)
    path = folder / "hz-2022-10.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rulesets(folder)
    assert "hz-2022-10.toml" in str(caught.value)
    assert message in str(caught.value)


def test_based_on_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = copy_rulesets(tmp_path)
    (folder / "hz-2022-10.toml").unlink()
    with pytest.raises(RuleSetError, match="hz-2019-72.toml: based_on: no rule set file hz-2022-10.toml"):
        load_rulesets(folder)


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleSetError, match="no rule set files"):
        load_rulesets(tmp_path)


def test_the_policy_core_never_imports_django() -> None:
    code = (
        "import sys, gaizao.policy, gaizao.policy.cli; "
        "gaizao.policy.assess_scope(built_year=1990, assessed_year=2024); "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "sys.exit(f'imports django: {bad[:3]}' if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr + result.stdout
