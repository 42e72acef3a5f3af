"""Print the address and the memorable demo logins (one per role)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.accounts.models import User
from gongzhi.org.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_URL
from gongzhi.org.demo.table import format_table


class Command(BaseCommand):
    help = "列出演示账号：每个角色一个，密码相同。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=DEMO_URL, help="网站地址（默认 %(default)s）")

    def handle(self, *args, url: str, **options) -> None:
        names = dict(User.objects.filter(phone__in=[login.phone for login in DEMO_LOGINS]).values_list("phone", "name"))
        rows = []
        missing = 0
        for login in DEMO_LOGINS:
            name = names.get(login.phone)
            if name is None:
                missing += 1
            rows.append([login.label, name or "（未生成）", login.phone, DEMO_PASSWORD, login.try_this])
        self.stdout.write(f"打开 {url} ，用下列手机号和密码登录：")
        for line in format_table(["角色", "姓名", "手机号", "密码", "试试看"], rows):
            self.stdout.write(line)
        self.stdout.write(
            f"其他角色持有人（每位楼栋长、网格员……）的手机号在书记的“角色”页，密码同样是 {DEMO_PASSWORD}。"
        )
        if missing:
            self.stdout.write(self.style.WARNING(
                f"有 {missing} 个演示账号不存在：先运行 manage.py demo（已有数据时加 --reset）。"
            ))
