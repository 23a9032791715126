"""``gaizao template KIND OUT.xlsx``: the import template with Chinese headers, units, dropdowns and a 说明 sheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from gaizao.registry.importing import KINDS
from gaizao.registry.importing.template import template_bytes


class Command(BaseCommand):
    help = "写出导入模板 / Write the import template of a kind (xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("out", help="OUT.xlsx")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["out"])
        out.write_bytes(template_bytes(opts["kind"]))
        self.stdout.write(f"模板已写入 {out} / template written to {out}")
