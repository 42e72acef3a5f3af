import os

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi.core.errors import NotFound

from ...roster.actions import roster_import
from ...roster.progress import PHASE_READ, PHASE_VALIDATE, PHASE_WRITE, CallbackProgress
from ...roster.reader import RosterInvalid
from ._roster import REFUSED, community_by_code, user_by_phone

PHASES = {PHASE_READ: "打开文件", PHASE_VALIDATE: "校验数据", PHASE_WRITE: "写入数据库"}
LABELS = (
    ("楼栋", "buildings_created", "buildings_updated"),
    ("单元", "units_created", None),
    ("房屋", "households_created", "households_updated"),
    ("居民", "residents_created", "residents_updated"),
    ("居住/产权关系", "occupancies_created", "occupancies_updated"),
    ("标签", "tags_added", None),
)


class Command(BaseCommand):
    help = "导入花名册（.xlsx）：全部成功或全部不导入；有问题时逐条列出（表、行、列、原因）并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件（.xlsx）")
        parser.add_argument("--community", required=True, help="社区编码")
        parser.add_argument("--user", help="以该手机号的账号导入（检查其权限）；不填则以系统身份导入")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, community, user=None, no_progress=False, **options):
        region = community_by_code(community)
        actor = user_by_phone(user)
        if not os.path.isfile(file):
            raise CommandError(f"文件不存在：{file}")
        bars = []

        def on_phase(phase, total):
            if bars:
                bars.pop().close()
            bars.append(
                tqdm(total=total or None, desc=PHASES.get(phase, phase), unit="行", file=self.stderr._out,
                     disable=no_progress, leave=False)
            )

        def on_update(done):
            bar = bars[-1]
            bar.update(done - bar.n)

        try:
            with open(file, "rb") as fileobj:
                counts = roster_import(
                    actor=actor, community_id=region.pk, fileobj=fileobj, filename=os.path.basename(file),
                    progress=CallbackProgress(on_phase, on_update), as_system=actor is None,
                )
        except NotFound:
            raise CommandError(REFUSED) from None
        except RosterInvalid as exc:
            self._report(exc)
            raise CommandError(exc.message) from None
        finally:
            while bars:
                bars.pop().close()
        self.stdout.write(f"导入完成（{region.name}），共读取 {counts['rows']} 行：")
        for label, created, updated in LABELS:
            line = f"  {label}：新增 {counts[created]}"
            if updated:
                line += f"，更新 {counts[updated]}"
            self.stdout.write(line)

    def _report(self, exc: RosterInvalid) -> None:
        self.stderr.write(f"未导入任何数据。共 {exc.total} 处问题：")
        self.stderr.write("工作表\t行\t列\t原因")
        for p in exc.problems:
            row = f"第 {p.row} 行" if p.row else "—"
            self.stderr.write(f"{p.sheet or '—'}\t{row}\t{p.column or '—'}\t{p.message}")
        if exc.total > len(exc.problems):
            self.stderr.write(f"……另有 {exc.total - len(exc.problems)} 处问题未列出。")
