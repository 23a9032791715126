"""The rules through the API at ``/api/v1/policy/``: scope, subsidy and vote decisions with their reasons.

Each endpoint takes the same JSON object as ``gaizao rules scope|subsidy|vote FILE.json`` and answers the same
decision (``gaizao.policy.cli.decide``), so the command line, the API and the apps agree. Invalid input answers 400
``{"code": "invalid", "message": ..., "field": ...}`` with the message the command line prints. The router lives in
``gaizao.api`` (which gathers the apps) because the policy core knows nothing of Django.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from gaizao.policy import PolicyInputError
from gaizao.policy.cli import decide, rulesets

router = Router(tags=["policy"])


def _decide(request: HttpRequest, command: str) -> Any:
    from gaizao.api.api import api

    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    try:
        return decide(command, text)
    except PolicyInputError as error:
        body = {"code": "invalid", "message": error.message, "field": error.field}
        return api.create_response(request, body, status=400)


@router.post(
    "/scope", summary="Scope screening (二(一)): priority, may include or out of scope, with reasons"
)
def scope(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    return _decide(request, "scope")


@router.post("/subsidy", summary="Municipal subsidy (三(三)2) with its base, cap, share and reasons")
def subsidy(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    return _decide(request, "subsidy")


@router.post("/vote", summary="Owners' vote (民法典 第278条) counted exactly, with reasons")
def vote(request: HttpRequest, payload: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    return _decide(request, "vote")


@router.get("/rulesets", summary="The rule sets and the dates they are in force")
def list_rulesets(request: HttpRequest) -> list[dict[str, Any]]:
    return rulesets()
