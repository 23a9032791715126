"""Access matrix of every participation page and API endpoint, against the demo world (gaizao.participation.demo:
the sample objects of 清波门社区, 上城区). State-changing cases target objects whose state makes the call a no-op
(a published ballot, a closed survey / report / evaluation), so the answer does not depend on the order of accounts.
"""

from __future__ import annotations

from tests.matrix_types import ACCOUNTS, Case, statuses

#: Staff whose scope holds 清波门社区.
IN_SCOPE = ("city", "ndrc", "planning", "finance", "shangcheng", "qingbo", "qingbomen")
WRITERS = ("city", "shangcheng", "qingbo", "qingbomen")
READERS_ONLY = ("ndrc", "planning", "finance")
LOGGED_IN = tuple(a for a in ACCOUNTS if a != "anonymous")


def _expect(default: int, anonymous: int, **groups: tuple[tuple[str, ...], int]) -> dict[str, int]:
    out = statuses(default, anonymous=anonymous)
    for accounts, code in groups.values():
        for account in accounts:
            out[account] = code
    return out


def _ballot():
    from gaizao.participation.models import Ballot

    return Ballot.objects.filter(is_sample=True, status="published").order_by("pk").first()


def _needs(status: str):
    from gaizao.participation.models import NeedsSurvey

    return NeedsSurvey.objects.filter(is_sample=True, status=status).order_by("pk").first()


def _evaluation(status: str):
    from gaizao.participation.models import EvaluationSurvey

    return EvaluationSurvey.objects.filter(is_sample=True, status=status).order_by("pk").first()


def _report(status: str):
    from gaizao.participation.models import SupervisionReport

    return SupervisionReport.objects.filter(is_sample=True, status=status).order_by("pk").first()


def _proposal() -> int:
    """The sample ballot's rejected roll correction (a final state: approving or rejecting it again is refused)."""
    from gaizao.participation.models import RollCorrectionProposal

    return RollCorrectionProposal.objects.filter(entry__ballot=_ballot()).order_by("pk").first().pk


def _roll_owner() -> int:
    return _ballot().roll.exclude(owner_id=None).order_by("pk").first().owner_id


_PHONES = iter(range(13000000000, 13000001000))


def _new_phone() -> str:
    return str(next(_PHONES))


def _scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("door.png", b"\x89PNG\r\n\x1a\n signed", content_type="image/png")


def _community_id() -> int:
    return _ballot().community_id


# Readable ballot / survey: staff in scope and the resident (an owner on the roll) get 200, others 404.
PAGE_OBJECT = _expect(404, 302, a=(IN_SCOPE, 200), b=(("resident",), 200))
PAGE_STAFF_OBJECT = _expect(404, 302, a=(IN_SCOPE, 200))
PAGE_POST_OBJECT = _expect(404, 302, a=(IN_SCOPE, 302), b=(("resident",), 302))
PAGE_ORGANISE = _expect(404, 302, a=(WRITERS + ("xihu",), 200))
PAGE_ANY = _expect(200, 302)
PUBLIC = statuses(200)
API_ANY = _expect(200, 401)
API_OBJECT = _expect(404, 401, a=(IN_SCOPE, 200), b=(("resident",), 200))
API_STAFF_OBJECT = _expect(404, 401, a=(IN_SCOPE, 200))
API_CREATE = _expect(404, 401, a=(WRITERS, 201), b=(READERS_ONLY + ("resident",), 403))
#: a write on an object in a final state: writers are refused by the state machine, readers by permission
API_FINAL_WRITE = _expect(404, 401, a=(WRITERS, 409), b=(READERS_ONLY + ("resident",), 403))

P = "participation/"
A = "/api/v1/participation"

CASES: list[Case] = [
    # --- pages ---
    Case("participation index", "/participation/", PAGE_ANY, pattern=P),
    Case("owner login page", "/participation/login/", PUBLIC, pattern=P + "login/"),
    Case("new ballot page", "/participation/ballots/new/", PAGE_ORGANISE, pattern=P + "ballots/new/"),
    Case(
        "close ballots past their closing time",
        "/participation/ballots/close-due/",
        _expect(404, 302, a=(WRITERS + ("xihu",), 302)),
        method="post",
        data={},
        pattern=P + "ballots/close-due/",
    ),
    Case(
        "ballot page",
        lambda: f"/participation/ballots/{_ballot().pk}/",
        PAGE_OBJECT,
        pattern=P + "ballots/<int:pk>/",
    ),
    Case(
        "ballot tally fragment",
        lambda: f"/participation/ballots/{_ballot().pk}/tally/",
        PAGE_OBJECT,
        pattern=P + "ballots/<int:pk>/tally/",
    ),
    Case(
        "ballot transition (published: refused)",
        lambda: f"/participation/ballots/{_ballot().pk}/transition/",
        PAGE_POST_OBJECT,
        method="post",
        data={"action": "close"},
        pattern=P + "ballots/<int:pk>/transition/",
    ),
    Case(
        "owner votes on a published ballot (refused)",
        lambda: f"/participation/ballots/{_ballot().pk}/vote/",
        PAGE_POST_OBJECT,
        method="post",
        data={"choice": "yes"},
        pattern=P + "ballots/<int:pk>/vote/",
    ),
    Case(
        "organiser entry on a published ballot (refused)",
        lambda: f"/participation/ballots/{_ballot().pk}/entries/",
        _expect(404, 302, a=(IN_SCOPE, 302)),
        method="post",
        data=lambda: {
            "owner_id": _roll_owner(),
            "choice": "yes",
            "channel": "door_to_door",
            "witness_name": "x",
            "scan": _scan(),
        },
        pattern=P + "ballots/<int:pk>/entries/",
    ),
    Case(
        "owner roll",
        lambda: f"/participation/ballots/{_ballot().pk}/roll/",
        PAGE_STAFF_OBJECT,
        pattern=P + "ballots/<int:pk>/roll/",
    ),
    Case(
        "approve a rejected roll correction (refused)",
        lambda: f"/participation/ballots/{_ballot().pk}/roll/corrections/{_proposal()}/",
        _expect(404, 302, a=(IN_SCOPE, 302)),
        method="post",
        data={"action": "approve"},
        pattern=P + "ballots/<int:pk>/roll/corrections/<int:cid>/",
    ),
    Case("new needs survey page", "/participation/needs/new/", PAGE_ORGANISE, pattern=P + "needs/new/"),
    Case(
        "needs survey page",
        lambda: f"/participation/needs/{_needs('open').pk}/",
        PAGE_OBJECT,
        pattern=P + "needs/<int:pk>/",
    ),
    Case(
        "close a closed needs survey",
        lambda: f"/participation/needs/{_needs('closed').pk}/close/",
        PAGE_POST_OBJECT,
        method="post",
        data={},
        pattern=P + "needs/<int:pk>/close/",
    ),
    Case("reports page", "/participation/reports/", PAGE_ANY, pattern=P + "reports/"),
    Case(
        "report page",
        lambda: f"/participation/reports/{_report('responded').pk}/",
        PAGE_STAFF_OBJECT,
        pattern=P + "reports/<int:pk>/",
    ),
    Case(
        "new evaluation page",
        "/participation/evaluations/new/",
        PAGE_ORGANISE,
        pattern=P + "evaluations/new/",
    ),
    Case(
        "evaluation page",
        lambda: f"/participation/evaluations/{_evaluation('open').pk}/",
        PAGE_OBJECT,
        pattern=P + "evaluations/<int:pk>/",
    ),
    Case("public results", "/participation/public/", PUBLIC, pattern=P + "public/"),
    Case(
        "public result",
        lambda: f"/participation/public/ballots/{_ballot().pk}/",
        PUBLIC,
        pattern=P + "public/ballots/<int:pk>/",
    ),
    Case(
        "public receipt check",
        "/participation/public/receipt/?code=AAAA-BBBB-CCCC-DDDD",
        PUBLIC,
        pattern=P + "public/receipt/",
    ),
    # --- API: ballots ---
    Case("api ballots", f"{A}/ballots", API_ANY, pattern="api/v1/participation/ballots"),
    Case(
        "api create ballot",
        f"{A}/ballots",
        API_CREATE,
        method="post",
        json=True,
        data=lambda: {"community_id": _community_id(), "purpose": "other", "question": "matrix"},
        pattern="api/v1/participation/ballots#post",
    ),
    Case(
        "api ballot",
        lambda: f"{A}/ballots/{_ballot().pk}",
        API_OBJECT,
        pattern="api/v1/participation/ballots/{id}",
    ),
    Case(
        "api transition a published ballot",
        lambda: f"{A}/ballots/{_ballot().pk}/transition",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={"action": "publish"},
        pattern="api/v1/participation/ballots/{id}/transition",
    ),
    Case(
        "api tally",
        lambda: f"{A}/ballots/{_ballot().pk}/tally",
        API_OBJECT,
        pattern="api/v1/participation/ballots/{id}/tally",
    ),
    Case(
        "api outstanding",
        lambda: f"{A}/ballots/{_ballot().pk}/outstanding",
        API_STAFF_OBJECT,
        pattern="api/v1/participation/ballots/{id}/outstanding",
    ),
    Case(
        "api roll",
        lambda: f"{A}/ballots/{_ballot().pk}/roll",
        API_STAFF_OBJECT,
        pattern="api/v1/participation/ballots/{id}/roll",
    ),
    Case(
        "api correct roll of a published ballot",
        lambda: f"{A}/ballots/{_ballot().pk}/roll/{_ballot().roll.order_by('pk').first().pk}/correct",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={"reason": "matrix", "area_m2": "50"},
        pattern="api/v1/participation/ballots/{id}/roll/{entry_id}/correct",
    ),
    Case(
        "api proposed roll corrections",
        lambda: f"{A}/ballots/{_ballot().pk}/roll/corrections",
        API_STAFF_OBJECT,
        pattern="api/v1/participation/ballots/{id}/roll/corrections",
    ),
    Case(
        "api approve a rejected roll correction",
        lambda: f"{A}/ballots/{_ballot().pk}/roll/corrections/{_proposal()}/approve",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={},
        pattern="api/v1/participation/ballots/{id}/roll/corrections/{correction_id}/approve",
    ),
    Case(
        "api reject a rejected roll correction",
        lambda: f"{A}/ballots/{_ballot().pk}/roll/corrections/{_proposal()}/reject",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={"note": "matrix"},
        pattern="api/v1/participation/ballots/{id}/roll/corrections/{correction_id}/reject",
    ),
    Case(
        "api papers",
        lambda: f"{A}/ballots/{_ballot().pk}/votes",
        API_STAFF_OBJECT,
        pattern="api/v1/participation/ballots/{id}/votes",
    ),
    Case(
        "api vote on a published ballot",
        lambda: f"{A}/ballots/{_ballot().pk}/vote",
        _expect(403, 401, a=(("resident",), 409)),
        method="post",
        json=True,
        data={"choice": "yes"},
        pattern="api/v1/participation/ballots/{id}/vote",
    ),
    Case(
        "api organiser entry on a published ballot",
        lambda: f"{A}/ballots/{_ballot().pk}/entries",
        _expect(404, 401, a=(WRITERS, 409), b=(READERS_ONLY, 403)),
        method="post",
        data=lambda: {
            "owner_id": _roll_owner(),
            "choice": "yes",
            "channel": "door_to_door",
            "witness_name": "x",
            "scan": _scan(),
        },
        pattern="api/v1/participation/ballots/{id}/entries",
    ),
    Case(
        "api verify chain",
        lambda: f"{A}/ballots/{_ballot().pk}/verify",
        API_OBJECT,
        pattern="api/v1/participation/ballots/{id}/verify",
    ),
    Case("api public results", f"{A}/public/ballots", PUBLIC, pattern="api/v1/participation/public/ballots"),
    Case(
        "api public result",
        lambda: f"{A}/public/ballots/{_ballot().pk}",
        PUBLIC,
        pattern="api/v1/participation/public/ballots/{id}",
    ),
    Case(
        "api public receipt",
        f"{A}/public/receipts/AAAA-BBBB-CCCC-DDDD",
        PUBLIC,
        pattern="api/v1/participation/public/receipts/{code}",
    ),
    # a new phone per request: every phone has the same limit of 5 codes per 15 minutes (known to be an owner's or not)
    Case(
        "api otp request",
        f"{A}/otp/request",
        PUBLIC,
        method="post",
        json=True,
        data=lambda: {"phone": _new_phone()},
        pattern="api/v1/participation/otp/request",
    ),
    Case(
        "api otp verify (no code)",
        f"{A}/otp/verify",
        statuses(400),
        method="post",
        json=True,
        data={"phone": "13000000000", "code": "123456"},
        pattern="api/v1/participation/otp/verify",
    ),
    # --- API: needs surveys ---
    Case("api needs surveys", f"{A}/needs-surveys", API_ANY, pattern="api/v1/participation/needs-surveys"),
    Case(
        "api create needs survey",
        f"{A}/needs-surveys",
        API_CREATE,
        method="post",
        json=True,
        data=lambda: {"community_id": _community_id(), "title": "matrix"},
        pattern="api/v1/participation/needs-surveys#post",
    ),
    Case(
        "api needs survey",
        lambda: f"{A}/needs-surveys/{_needs('open').pk}",
        API_OBJECT,
        pattern="api/v1/participation/needs-surveys/{id}",
    ),
    Case(
        "api needs answer",
        lambda: f"{A}/needs-surveys/{_needs('open').pk}/responses",
        _expect(404, 401, a=(IN_SCOPE, 403), b=(("resident",), 201)),
        method="post",
        json=True,
        data=lambda: {"ranking": _needs("open").item_ids[:2]},
        pattern="api/v1/participation/needs-surveys/{id}/responses",
    ),
    Case(
        "api close a closed needs survey",
        lambda: f"{A}/needs-surveys/{_needs('closed').pk}/close",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={},
        pattern="api/v1/participation/needs-surveys/{id}/close",
    ),
    Case(
        "api needs priorities",
        lambda: f"{A}/needs-priorities?community_id={_community_id()}",
        API_OBJECT,
        pattern="api/v1/participation/needs-priorities",
    ),
    # --- API: reports ---
    Case("api report counts", f"{A}/reports/counts", API_ANY, pattern="api/v1/participation/reports/counts"),
    Case("api reports", f"{A}/reports", API_ANY, pattern="api/v1/participation/reports"),
    Case(
        "api create report",
        f"{A}/reports",
        _expect(404, 401, a=(WRITERS + ("resident",), 201), b=(READERS_ONLY, 403)),
        method="post",
        data=lambda: {"community_id": _community_id(), "category": "other", "description": "matrix"},
        pattern="api/v1/participation/reports#post",
    ),
    Case(
        "api report",
        lambda: f"{A}/reports/{_report('responded').pk}",
        API_STAFF_OBJECT,
        pattern="api/v1/participation/reports/{id}",
    ),
    Case(
        "api respond to a closed report",
        lambda: f"{A}/reports/{_report('closed').pk}/respond",
        _expect(404, 401, a=(WRITERS, 409), b=(READERS_ONLY, 403)),
        method="post",
        json=True,
        data={"response": "x"},
        pattern="api/v1/participation/reports/{id}/respond",
    ),
    Case(
        "api close a closed report",
        lambda: f"{A}/reports/{_report('closed').pk}/close",
        _expect(404, 401, a=(WRITERS, 409), b=(READERS_ONLY, 403)),
        method="post",
        json=True,
        data={"note": ""},
        pattern="api/v1/participation/reports/{id}/close",
    ),
    # --- API: evaluations ---
    Case("api evaluations", f"{A}/evaluations", API_ANY, pattern="api/v1/participation/evaluations"),
    Case(
        "api create evaluation",
        f"{A}/evaluations",
        API_CREATE,
        method="post",
        json=True,
        data=lambda: {"community_id": _community_id()},
        pattern="api/v1/participation/evaluations#post",
    ),
    Case(
        "api evaluation",
        lambda: f"{A}/evaluations/{_evaluation('closed').pk}",
        API_OBJECT,
        pattern="api/v1/participation/evaluations/{id}",
    ),
    Case(
        "api evaluation answer",
        lambda: f"{A}/evaluations/{_evaluation('open').pk}/responses",
        _expect(404, 401, a=(IN_SCOPE, 403), b=(("resident",), 201)),
        method="post",
        json=True,
        data={"scores": {"complete_facilities": 4}},
        pattern="api/v1/participation/evaluations/{id}/responses",
    ),
    Case(
        "api close a closed evaluation",
        lambda: f"{A}/evaluations/{_evaluation('closed').pk}/close",
        API_FINAL_WRITE,
        method="post",
        json=True,
        data={},
        pattern="api/v1/participation/evaluations/{id}/close",
    ),
]
