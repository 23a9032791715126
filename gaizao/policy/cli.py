"""``gaizao rules scope|subsidy|vote FILE.json`` — apply a rule to a JSON file and print the decision as JSON.

FILE may be ``-`` for standard input. Keys are the keyword arguments of :func:`~gaizao.policy.assess_scope`,
:func:`~gaizao.policy.municipal_subsidy` and :func:`~gaizao.policy.tally_owner_vote`; money and areas may be JSON
numbers or strings (parsed exactly as Decimal), dates are ``YYYY-MM-DD``. A vote file has ``units`` as a list of
``{"unit_id", "owner_id", "area_m2" | "registered"/"surveyed"/"contract", "developer_held"}`` and ``ballots`` as
``{"owner_id": "yes" | "no" | "abstain"}``.

Exit status: 0 with the decision on stdout (whatever the decision is); 2 with a one-line error on stderr for bad
JSON or fields; 1 for an internal error (also one line, never a traceback).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from gaizao.policy.errors import PolicyInputError, RuleSetError
from gaizao.policy.ruleset import all_rulesets
from gaizao.policy.scope import assess_scope
from gaizao.policy.subsidy import municipal_subsidy
from gaizao.policy.votes import Unit, exclusive_area, tally_owner_vote

__all__ = ["decide", "main", "rulesets"]

USAGE = """usage: gaizao rules scope|subsidy|vote FILE.json   (FILE may be - for stdin)
       gaizao rules rulesets                      list the rule sets and their dates

  scope    {"built_year": 1995, "assessed_year": 2024, "last_comprehensive_renovation_year": null,
            "in_expropriation_plan": false, "affordable_housing": false, "infrastructure_deficient": false,
            "management_deficient": false, "residents_willing": false, "ruleset": null}
  subsidy  {"district": "上城区", "built_year": 1995, "affordable_housing": false, "final_accounts": "2000000",
            "elevator_cost": "0", "secondary_water_cost": "0", "building_area_m2": "5000", "on": "2024-06-30"}
  vote     {"matter": 7, "units": [{"unit_id": "1-101", "owner_id": "A", "area_m2": "85.5"}],
            "ballots": {"A": "yes"}}
"""

SCOPE_FIELDS = {
    "built_year": True,
    "assessed_year": True,
    "last_comprehensive_renovation_year": False,
    "in_expropriation_plan": False,
    "affordable_housing": False,
    "infrastructure_deficient": False,
    "management_deficient": False,
    "residents_willing": False,
    "ruleset": False,
}
SUBSIDY_FIELDS = {
    "district": True,
    "built_year": True,
    "affordable_housing": True,
    "final_accounts": True,
    "elevator_cost": True,
    "secondary_water_cost": True,
    "building_area_m2": True,
    "on": True,
    "ruleset": False,
}
VOTE_FIELDS = {"matter": True, "units": True, "ballots": True, "ruleset": False}
UNIT_FIELDS = {"unit_id", "owner_id", "area_m2", "registered", "surveyed", "contract", "developer_held"}


def _fields(data: Mapping[str, Any], spec: Mapping[str, bool], where: str = "") -> dict[str, Any]:
    for key in data:
        if key not in spec:
            raise PolicyInputError(
                f"{where}{key}", f"{where}{key}: unknown field (expected one of: {', '.join(spec)})."
            )
    for key, required in spec.items():
        if required and key not in data:
            raise PolicyInputError(f"{where}{key}", f"{where}{key}: missing field.")
    return {key: value for key, value in data.items() if value is not None or spec[key]}


def _date(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise PolicyInputError(field, f'{field}: expected a date as "YYYY-MM-DD", got {value!r}.')
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PolicyInputError(field, f"{field}: {value!r} is not a date (YYYY-MM-DD).") from None


def _id(value: object, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise PolicyInputError(field, f"{field}: expected a non-empty string or integer id, got {value!r}.")
    return str(value)


def _run_scope(data: Mapping[str, Any]) -> dict[str, Any]:
    return assess_scope(**_fields(data, SCOPE_FIELDS)).to_dict()


def _run_subsidy(data: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = _fields(data, SUBSIDY_FIELDS)
    kwargs["on"] = _date(kwargs["on"], "on")
    return municipal_subsidy(**kwargs).to_dict()


def _run_vote(data: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = _fields(data, VOTE_FIELDS)
    raw_units = kwargs["units"]
    if not isinstance(raw_units, list):
        raise PolicyInputError("units", "units: expected a list of unit objects.")
    units: list[Unit] = []
    for index, raw in enumerate(raw_units):
        where = f"units[{index}]"
        if not isinstance(raw, dict):
            raise PolicyInputError(where, f"{where}: expected an object.")
        for key in raw:
            if key not in UNIT_FIELDS:
                raise PolicyInputError(f"{where}.{key}", f"{where}.{key}: unknown field.")
        for key in ("unit_id", "owner_id"):
            if key not in raw:
                raise PolicyInputError(f"{where}.{key}", f"{where}.{key}: missing field.")
        if "area_m2" in raw:
            area = raw["area_m2"]
        else:
            try:
                area, _ = exclusive_area(
                    registered=raw.get("registered"),
                    surveyed=raw.get("surveyed"),
                    contract=raw.get("contract"),
                )
            except PolicyInputError as error:
                raise PolicyInputError(f"{where}.{error.field}", f"{where}.{error.message}") from None
        developer_held = raw.get("developer_held", False)
        if not isinstance(developer_held, bool):
            raise PolicyInputError(
                f"{where}.developer_held", f"{where}.developer_held: expected true or false."
            )
        units.append(
            Unit(
                _id(raw["unit_id"], f"{where}.unit_id"),
                _id(raw["owner_id"], f"{where}.owner_id"),
                area,
                developer_held,
            )
        )
    ballots = kwargs["ballots"]
    if not isinstance(ballots, dict):
        raise PolicyInputError(
            "ballots", "ballots: expected an object mapping owner_id to yes, no or abstain."
        )
    kwargs["units"] = units
    return tally_owner_vote(**kwargs).to_dict()


def _rulesets() -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "document": r.document,
            "title_zh": r.title_zh,
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None,
            "verified": r.verified,
        }
        for r in all_rulesets()
    ]


COMMANDS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "scope": _run_scope,
    "subsidy": _run_subsidy,
    "vote": _run_vote,
}


def decide(command: str, text: str) -> dict[str, Any]:
    """The decision ``gaizao rules COMMAND`` prints for the JSON ``text`` (shared with ``/api/v1/policy/``).

    Raises
    ------
    PolicyInputError
        Unknown command, bad JSON or a bad field (the message names the field).
    """
    if command not in COMMANDS:
        raise PolicyInputError("command", f"command: unknown rule {command!r}; use scope, subsidy or vote.")
    try:
        return COMMANDS[command](_parse(text, "body"))
    except TypeError as error:  # a JSON value of the wrong shape reaching a keyword
        raise PolicyInputError("body", f"body: {error}") from None


def rulesets() -> list[dict[str, Any]]:
    """The rule sets and their dates, as ``gaizao rules rulesets`` prints them."""
    return _rulesets()


def _read(name: str, stdin: TextIO) -> str:
    if name == "-":
        return stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolicyInputError("FILE", f"FILE: {name} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyInputError("FILE", f"FILE: {name} cannot be read ({error}).") from None


def _parse(text: str, name: str) -> Mapping[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise PolicyInputError(
            "FILE",
            f"FILE: {name} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}.",
        ) from None
    if not isinstance(data, dict):
        raise PolicyInputError("FILE", f"FILE: {name} must hold a JSON object, not {type(data).__name__}.")
    return data


def main(
    argv: list[str],
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``gaizao rules`` with ``argv`` (the arguments after ``rules``); returns the exit status."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not argv or argv[0] in {"-h", "--help", "help"}:
        (stdout if argv else stderr).write(USAGE)
        return 0 if argv else 2
    command = argv[0]
    if command == "rulesets" and len(argv) == 1:
        stdout.write(json.dumps(_rulesets(), ensure_ascii=False, indent=2) + "\n")
        return 0
    if command not in COMMANDS:
        stderr.write(
            f"gaizao rules: error: unknown rule {command!r}; use scope, subsidy, vote or rulesets.\n"
        )
        return 2
    if len(argv) != 2:
        stderr.write(f"gaizao rules {command}: error: expected exactly one FILE.json (or - for stdin).\n")
        return 2
    try:
        result = COMMANDS[command](_parse(_read(argv[1], stdin), argv[1]))
    except PolicyInputError as error:
        stderr.write(f"gaizao rules {command}: error: {error.message}\n")
        return 2
    except TypeError as error:  # e.g. a JSON value of the wrong shape reaching a keyword
        stderr.write(f"gaizao rules {command}: error: {error}\n")
        return 2
    except RuleSetError as error:
        stderr.write(f"gaizao rules {command}: rule set error: {error}\n")
        return 1
    except Exception as error:  # never a traceback on the command line
        stderr.write(f"gaizao rules {command}: internal error: {type(error).__name__}: {error}\n")
        return 1
    stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0
