"""``gaizao rules scope|subsidy|vote FILE.json``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gaizao.policy.cli import main


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, data: object) -> str:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_scope_from_a_file(tmp_path: Path) -> None:
    code, out, err = run(["scope", write(tmp_path, {"built_year": 1995, "assessed_year": 2024})])
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["status"] == "priority"
    assert data["reasons"][-1]["code"] == "scope.priority"
    assert data["reasons"][-1]["clause"] == "杭政办函〔2022〕10号 二(一)"


def test_subsidy_keeps_money_exact_from_json_numbers(tmp_path: Path) -> None:
    payload = {
        "district": "330102",
        "built_year": 1995,
        "affordable_housing": False,
        "final_accounts": 2000000.01,
        "elevator_cost": "0",
        "secondary_water_cost": 0,
        "building_area_m2": "5000",
        "on": "2024-06-30",
    }
    code, out, err = run(["subsidy", write(tmp_path, payload)])
    assert code == 0, err
    data = json.loads(out)
    assert data["amount"] == "1000000.00"
    assert data["base"] == "2000000.01"
    assert data["capped"] is True
    assert [r["code"] for r in data["reasons"]][-2:] == ["subsidy.capped", "subsidy.amount"]


def test_vote_from_stdin_with_area_precedence() -> None:
    payload = {
        "matter": 7,
        "units": [
            {"unit_id": 1, "owner_id": "A", "registered": "80", "contract": "90"},
            {"unit_id": 2, "owner_id": "B", "contract": "40"},
            {"unit_id": 3, "owner_id": "dev", "area_m2": "40", "developer_held": True},
        ],
        "ballots": {"A": "yes", "B": "abstain", "dev": "yes"},
    }
    code, out, err = run(["vote", "-"], stdin=json.dumps(payload))
    assert code == 0, err
    data = json.loads(out)
    assert data["total_area"] == "160"
    assert data["yes_area_ratio"] == {"fraction": "3/4", "value": 0.75}
    assert data["yes_owners_ratio"]["fraction"] == "2/3"  # the abstention takes part
    assert data["approved"] is False
    assert data["reasons"][-1]["code"] == "vote.rejected"


@pytest.mark.parametrize(
    ("command", "text", "message"),
    [
        ("scope", '{"built_year": 1995', "is not valid JSON"),
        ("scope", "[1, 2]", "must hold a JSON object"),
        ("scope", '{"assessed_year": 2024}', "built_year: missing field."),
        ("scope", '{"built_year": 1995, "assessed_year": 2024, "colour": 1}', "colour: unknown field"),
        ("scope", '{"built_year": 1995.5, "assessed_year": 2024}', "built_year: expected a year"),
        (
            "subsidy",
            '{"district": "朝阳区", "built_year": 1995, "affordable_housing": false, "final_accounts": 1, '
            '"elevator_cost": 0, "secondary_water_cost": 0, "building_area_m2": 1, "on": "2024-01-01"}',
            "district: unknown district '朝阳区'",
        ),
        (
            "subsidy",
            '{"district": "上城区", "built_year": 1995, "affordable_housing": false, "final_accounts": 1, '
            '"elevator_cost": 0, "secondary_water_cost": 0, "building_area_m2": 1, "on": "2024-13-01"}',
            "on: '2024-13-01' is not a date",
        ),
        (
            "subsidy",
            '{"district": "上城区", "built_year": 1995, "affordable_housing": false, "final_accounts": 1, '
            '"elevator_cost": 2, "secondary_water_cost": 0, "building_area_m2": 1, "on": "2024-01-01"}',
            "final_accounts: 1 yuan is less than the excluded",
        ),
        (
            "vote",
            '{"matter": 7, "units": [{"unit_id": 1, "owner_id": "A", "area_m2": "-5"}], "ballots": {}}',
            "units[0].area_m2: -5 is negative",
        ),
        (
            "vote",
            '{"matter": 7, "units": [{"unit_id": 1, "owner_id": "A"}], "ballots": {}}',
            "units[0].registered: no exclusive area given",
        ),
        (
            "vote",
            '{"matter": 7, "units": [{"unit_id": 1, "owner_id": "A", "area_m2": 5}], "ballots": {"Z": "yes"}}',
            "ballots: 'Z' is not an owner on the roll.",
        ),
        ("vote", '{"matter": 12, "units": [], "ballots": {}}', "matter: 12 is not an item"),
        ("vote", '{"matter": 7, "units": {}, "ballots": {}}', "units: expected a list"),
    ],
)
def test_bad_input_exits_2_with_one_line(command: str, text: str, message: str) -> None:
    code, out, err = run([command, "-"], stdin=text)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"gaizao rules {command}: error: ")
    assert message in err


def test_missing_file_and_bad_usage(tmp_path: Path) -> None:
    code, _, err = run(["scope", str(tmp_path / "nope.json")])
    assert code == 2 and "does not exist" in err
    assert run(["tally", "x.json"])[0] == 2
    assert run(["scope"])[0] == 2
    assert run([])[0] == 2
    code, out, _ = run(["--help"])
    assert code == 0 and "gaizao rules scope|subsidy|vote" in out


def test_rulesets_listing() -> None:
    code, out, _ = run(["rulesets"])
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["hz-2019-72", "hz-2022-10"]


def test_through_the_gaizao_command(tmp_path: Path) -> None:
    path = write(tmp_path, {"built_year": 2001, "assessed_year": 2024})
    script = "import sys; from gaizao.cli import main; sys.exit(main(sys.argv[1:]))"
    ok = subprocess.run(
        [sys.executable, "-c", script, "rules", "scope", path], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["status"] == "out_of_scope"
    bad = subprocess.run(
        [sys.executable, "-c", script, "rules", "scope", "-"],
        input="{",
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "Traceback" not in bad.stderr
