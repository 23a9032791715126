"""``gaizao export KIND OUT.xlsx|.csv|.geojson``: every row of a kind (or one district's) in the import columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gaizao.errors import ApplicationError
from gaizao.registry.exporting import ExportFilters, export_bytes, export_format
from gaizao.registry.importing import KINDS


class Command(BaseCommand):
    help = "导出台账 / Export a registry list as xlsx, csv or geojson (same columns as the import)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("out", help="OUT.xlsx, OUT.csv or OUT.geojson")
        parser.add_argument("--district", default="", help="only this district (code or name)")
        parser.add_argument(
            "--user", help="export as this account: its scope and personal-data masking apply"
        )
        parser.add_argument(
            "--with-personal-data",
            action="store_true",
            help="units: owners' names and phones unmasked (never ID numbers)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        from gaizao.accounts.models import User

        out = Path(opts["out"])
        try:
            fmt = export_format(None, filename=out.name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        user = None
        if opts["user"]:
            user = User.objects.select_related("division").filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"没有账号 {opts['user']} / No account {opts['user']!r}")
        personal = None if user is not None else bool(opts["with_personal_data"])
        content = export_bytes(
            opts["kind"], fmt, user=user, filters=ExportFilters(district=opts["district"]), personal=personal
        )
        out.write_bytes(content)
        self.stdout.write(f"已导出到 {out} / exported to {out} ({len(content):,} bytes)")
