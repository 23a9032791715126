"""Send every active staff account its pending oversight deadlines through the configured sender (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from gaizao.accounts.models import User
from gaizao.oversight.todos import OFFICERS, remind


class Command(BaseCommand):
    help = "Remind officers of their oversight deadlines (settings.OVERSIGHT_REMINDER_SENDER)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = (
            User.objects.filter(is_active=True, role__in=OFFICERS).select_related("division").order_by("pk")
        )
        n = remind(users)
        self.stdout.write(f"reminded {n} account(s)")
