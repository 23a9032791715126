"""``gaizao demo``: migrate the embedded database, load the Hangzhou demo data, print the demo accounts,
run a task worker beside the server and serve on http://127.0.0.1:8000."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Set up and serve the demo. / 初始化并运行演示。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load the data and stop")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        from gaizao.accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
        from gaizao.web.demo import demo_load

        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write("迁移数据库 / migrating the database ...")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        self.stdout.write("载入杭州演示数据 / loading the Hangzhou demo data ...")
        demo_load(lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write("")
        self.stdout.write(f"演示账户 / demo accounts (密码 / password: {DEMO_PASSWORD})")
        for spec in DEMO_ACCOUNTS:
            self.stdout.write(f"  {spec.username:<12} {spec.role:<20} {spec.note}")
        # the accounts the apps' demo loaders add: contractor, supervisor, property company, …
        from gaizao.accounts.models import User

        listed = {spec.username for spec in DEMO_ACCOUNTS}
        others = User.objects.filter(is_active=True).exclude(username__in=listed).exclude(role="resident")
        for user in others.order_by("username"):
            self.stdout.write(f"  {user.username:<12} {user.role:<20} {user.display_name}")
        from gaizao.participation.demo import code_login_owner

        owner = code_login_owner()
        if owner is not None:
            community, unit, phone = owner
            self.stdout.write(
                f"  业主验证码登录 / owner code login: {phone}（{community} {unit}）at /participation/login/ — "
                "验证码显示在控制台 / the code is printed on the console"
            )
        if options["no_serve"]:
            return
        host = options["addrport"]
        self.stdout.write("")
        self.stdout.write(f"打开 / open  http://{host}/   (Ctrl+C 停止 / to stop)")
        worker = subprocess.Popen([sys.executable, "-m", "gaizao.cli", "worker"])
        try:
            call_command("runserver", host, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
