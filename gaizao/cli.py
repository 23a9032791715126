"""The ``gaizao`` command.

Pure-core commands (``rules``, ``access``) run without Django; everything else is a Django management command
run with the project's settings, so the web page and the command line share one code path.
"""

from __future__ import annotations

import os
import sys

PURE_COMMANDS = {
    "rules": "gaizao.policy.cli",
    "access": "gaizao.spatial.cli",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        import importlib

        module = importlib.import_module(PURE_COMMANDS[args[0]])
        return int(module.main(args[1:]) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gaizao.web.settings")
    from django.core.management import execute_from_command_line

    if not args or args[0] in {"-h", "--help", "help"}:
        print(
            "gaizao — 老旧小区改造平台 / old community renovation platform\n\n"
            "  gaizao demo                      migrate, load Hangzhou demo data, serve on http://127.0.0.1:8000\n"
            "  gaizao worker                    run the background task worker\n"
            "  gaizao import KIND FILE          import a registry file (xlsx, csv, geojson, gpkg, shp)\n"
            "  gaizao export KIND OUT           export a registry list (xlsx, csv, geojson)\n"
            "  gaizao template KIND OUT.xlsx    write the import template with Chinese headers\n"
            "  gaizao rules scope|subsidy|vote FILE.json   apply a policy rule, print the decision as JSON\n"
            "  gaizao access --network ROADS --facilities F.csv --origins O.csv --max-distance M --out OUT.csv\n"
            "  gaizao backup OUT                back up the database (SQLite backup API or pg_dump)\n"
            "  gaizao restore IN                restore a backup, then verify every ballot's hash chain\n"
            "  gaizao rekey-chains              re-sign every ballot chain (GAIZAO_CHAIN_KEY_PREVIOUS → GAIZAO_CHAIN_KEY)\n"
            "  gaizao manage ...                any Django management command\n"
        )
        return 0
    if args[0] in {"backup", "restore", "rekey-chains"}:
        import django

        django.setup()
        from gaizao.backup import main as backup_main

        return backup_main(args[0], args[1:])
    if args[0] == "manage":
        args = args[1:]
    execute_from_command_line(["gaizao", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
