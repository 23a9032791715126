"""The account behind an API bearer token, read with one precomposed statement (issue 19).

Every API request with ``Authorization: Bearer`` runs this check. It used to cost about 2.5 ms of CPU, mostly the
ORM compiling the same query again; the statement is now composed once per process (``gaizao.rows``) and the
account comes back as the ORM would build it with ``select_related("division")``.

On PostgreSQL the throttled "last used" stamp (``settings.API_TOKEN_TOUCH_INTERVAL_S``) is a data-modifying
``WITH`` clause of the same statement, so a token's first use costs no extra round trip. Elsewhere it is a second
statement, run only when the stamp is due.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from gaizao.accounts.models import ApiToken, User
from gaizao.rows import Columns

_TOKEN: Columns[ApiToken] = Columns(ApiToken, ["id", "last_used_at"])
_USER: Columns[User] = Columns(User)


@functools.cache
def _division_columns() -> Columns[Model]:
    division_model: type[Model] = User._meta.get_field("division").related_model  # type: ignore[assignment]
    return Columns(division_model)


@functools.cache
def _statements(vendor: str) -> tuple[str, str]:
    """``(select, touch)`` for ``vendor``; ``touch`` is empty where the select stamps the token itself."""
    quote = connection.ops.quote_name
    division = _division_columns()
    token, user = quote(ApiToken._meta.db_table), quote(User._meta.db_table)
    valid = f"""
        SELECT t.id, t.last_used_at, t.user_id FROM {token} t JOIN {user} a ON a.id = t.user_id
        WHERE t.digest = %(digest)s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > %(now)s)
            AND a.is_active
    """
    select = f"""
        SELECT {_TOKEN.select("v")}, {_USER.select("u")}, {division.select("d")}
        FROM valid v JOIN {user} u ON u.id = v.user_id
            LEFT JOIN {quote(division.model._meta.db_table)} d ON d.id = u.division_id
    """
    due = "(last_used_at IS NULL OR last_used_at < %(since)s)"
    if vendor == "postgresql":
        stamp = f"UPDATE {token} SET last_used_at = %(now)s WHERE id IN (SELECT id FROM valid WHERE {due})"
        return f"WITH valid AS ({valid}), stamped AS ({stamp}) {select}", ""
    return (
        f"WITH valid AS ({valid}) {select}",
        f"UPDATE {token} SET last_used_at = %(now)s WHERE id = %(token)s",
    )


def token_user(raw: str) -> User | None:
    """The active account a valid (not revoked, not expired) token belongs to, with its division loaded; None for
    any other token. Stamps the token's ``last_used_at`` at most once per ``API_TOKEN_TOUCH_INTERVAL_S``."""
    select, touch = _statements(connection.vendor)
    now = timezone.now()
    since = now - dt.timedelta(seconds=settings.API_TOKEN_TOUCH_INTERVAL_S)
    adapt = connection.ops.adapt_datetimefield_value
    params = {"digest": ApiToken.digest_of(raw), "now": adapt(now), "since": adapt(since)}
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        row = cursor.fetchone()
        if row is None:
            return None
        token = _TOKEN.build(row[: len(_TOKEN)])
        if touch and (token.last_used_at is None or token.last_used_at < since):
            cursor.execute(touch, {**params, "token": token.pk})
    user_end = len(_TOKEN) + len(_USER)
    user = _USER.build(row[len(_TOKEN) : user_end])
    division_values = row[user_end:]
    user._state.fields_cache["division"] = (
        None if division_values[0] is None else _division_columns().build(division_values)
    )
    return user
