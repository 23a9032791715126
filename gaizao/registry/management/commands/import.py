"""``gaizao import KIND FILE``: the same import the web page runs, with a progress bar and a row-by-row report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gaizao.registry.importing import KINDS, import_file


class Command(BaseCommand):
    help = "导入台账文件 / Import a registry file (xlsx, xls, csv, geojson, gpkg, zipped shp)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=sorted(KINDS), help="communities, buildings, units, facilities, stock_sites"
        )
        parser.add_argument("file", help="the file to import")
        parser.add_argument(
            "--crs", default="wgs84", help="coordinate system of lon/lat: wgs84 (default), gcj02, bd09"
        )
        parser.add_argument(
            "--only-valid", action="store_true", help="import the valid rows even if others fail"
        )
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--user", help="import as this account (its scope applies); default: the system")
        parser.add_argument("--report", help="write the validation report to this .xlsx file")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        from tqdm import tqdm

        from gaizao.accounts.models import User

        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path} / No such file: {path}")
        actor = None
        if opts["user"]:
            actor = User.objects.select_related("division").filter(username=opts["user"]).first()
            if actor is None:
                raise CommandError(f"没有账号 {opts['user']} / No account {opts['user']!r}")
        bar = (
            None
            if opts["no_progress"]
            else tqdm(total=0, unit="行", desc="校验 / validating", file=self.stderr._out)
        )

        def progress(done: int, total: int, message: str) -> None:
            if bar is None:
                return
            bar.total = total
            bar.set_description(message)
            bar.n = done
            bar.refresh()

        try:
            report = import_file(
                kind=opts["kind"],
                data=path.read_bytes(),
                filename=path.name,
                actor=actor,
                crs=opts["crs"],
                only_valid=opts["only_valid"],
                dry_run=opts["dry_run"],
                progress=progress,
            )
        finally:
            if bar is not None:
                bar.close()
        if opts["report"]:
            Path(opts["report"]).write_bytes(report.to_xlsx())
        shown = report.errors[:50]
        if shown:
            self.stdout.write("行 row\t列 column\t问题 problem")
            for e in shown:
                self.stdout.write(f"{e.row if e.row is not None else '-'}\t{e.column}\t{e.message}")
            if len(report.errors) > len(shown):
                self.stdout.write(
                    f"… 另有 {len(report.errors) - len(shown)} 个问题 / more problems (see --report)"
                )
        self.stdout.write(report.summary() + f" ({report.seconds:.1f} s)")
        if report.errors and not report.written:
            raise CommandError("导入未写入 / nothing was imported")
