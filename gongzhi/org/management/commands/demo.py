"""Build the fictional demo sub-district 清风街道 (和谐社区 and 幸福社区).

    manage.py demo                     # default size: 和谐社区 ~3,300 households
    manage.py demo --households 40000  # 和谐社区 scaled up (more grids, compounds, buildings)
    manage.py demo --if-empty          # used by `make run`: skip when any region exists
    manage.py demo --reset             # delete all org data (and its logins) first
"""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError
from django.utils import timezone

from gongzhi.org.demo import (
    DEFAULT_HOUSEHOLDS,
    DEFAULT_SEED,
    MIN_HOUSEHOLDS,
    reset_demo,
    seed_demo,
    summary,
)
from gongzhi.org.demo.table import format_table
from gongzhi.org.models import Region


class Command(BaseCommand):
    help = "生成虚构的演示街道（清风街道：和谐社区、幸福社区），同一种子生成完全相同的数据。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子（默认 %(default)s）")
        parser.add_argument(
            "--households", type=int, default=DEFAULT_HOUSEHOLDS,
            help="和谐社区的户数（默认 %(default)s；网格、小区、楼栋按比例增减）",
        )
        parser.add_argument(
            "--as-of", dest="as_of", default=None,
            help="以哪一天为“今天”（YYYY-MM-DD，默认今天）：年龄、报到和服务记录的日期都相对于它",
        )
        parser.add_argument("--if-empty", action="store_true", help="已有任何区域数据时什么也不做")
        parser.add_argument("--reset", action="store_true", help="先删除全部组织数据（及其登录账号）再生成")

    def handle(self, *args, seed: int, households: int, as_of: str | None, if_empty: bool, reset: bool,
               **options) -> None:
        if households < MIN_HOUSEHOLDS:
            raise CommandError(f"--households 至少为 {MIN_HOUSEHOLDS}。")
        try:
            as_of_date = date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError(f"--as-of 日期格式应为 YYYY-MM-DD：{as_of}") from None

        if Region.objects.exists():
            if if_empty:
                self.stdout.write("已有组织数据，跳过演示数据生成（需要重建请运行 manage.py demo --reset）。")
                return
            if not reset:
                raise CommandError("数据库里已有组织数据。加 --reset 删除后重建，或加 --if-empty 跳过。")
            self.stdout.write("删除现有组织数据…")
            try:
                deleted = reset_demo()
            except ProtectedError as exc:
                blockers = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
                raise CommandError(
                    f"无法删除：还有其他数据引用组织数据（{'、'.join(blockers)}）。"
                    "请让对应模块注册 demo 的 reset 步骤。"
                ) from None
            self.stdout.write("  已删除：" + "，".join(f"{label} {n}" for label, n in deleted.items() if n))

        started = time.monotonic()
        self.stdout.write(
            f"生成演示数据：种子 {seed}，和谐社区约 {households:,} 户，以 {as_of_date:%Y-%m-%d} 为今天"
        )
        seed_demo(seed=seed, households=households, as_of=as_of_date, log=self.stdout.write)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {elapsed:.1f} 秒。"))
        for line in format_table(["数据", "数量"], [[label, f"{n:,}"] for label, n in summary()], right={1}):
            self.stdout.write("  " + line)
        self.stdout.write("演示账号：manage.py demo_logins")
