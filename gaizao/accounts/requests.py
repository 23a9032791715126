"""The request type of a view behind a login (``login_required``, the API's authentication).

``HttpRequest.user`` may be anonymous; behind a login it is an account. Annotating such a view's ``request`` with
``AuthenticatedHttpRequest`` tells the type checker so (django-stubs' recommended pattern); at run time it is the
ordinary ``HttpRequest``.
"""

from __future__ import annotations

from django.http import HttpRequest

from gaizao.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
