"""The site's URLs plus one view that fails with a database error carrying an owner's phone and ID number, as a
unique constraint on owners would (``tests/trust/test_logs.py``)."""

from __future__ import annotations

import sqlite3

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from gaizao.web.urls import urlpatterns as site

PHONE = "13800000000"
ID_NUMBER = "330102199001011234"
DETAIL = (
    'duplicate key value violates unique constraint "registry_owner_phone_key"\n'
    f"DETAIL:  Key (phone, id_number)=({PHONE}, {ID_NUMBER}) already exists."
)


def fails_with_a_database_error(request: HttpRequest) -> HttpResponse:
    owner = {"name": "欧阳秀英", "phone": PHONE, "id_number": ID_NUMBER}  # a local holding the row's values
    try:
        raise sqlite3.IntegrityError(DETAIL)  # the driver's error, which Django's wraps (as its cause)
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(DETAIL, owner) from exc


urlpatterns = [path("trust/raises/", fails_with_a_database_error), *site]
