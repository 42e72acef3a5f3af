from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import NotFound

from ...roster.actions import roster_export
from ._roster import REFUSED, community_by_code, user_by_phone


class Command(BaseCommand):
    help = "导出社区花名册（.xlsx，与导入格式相同，含完整电话和身份证号；记入审计）。"

    def add_arguments(self, parser):
        parser.add_argument("out", help="输出文件，如 花名册.xlsx")
        parser.add_argument("--community", required=True, help="社区编码")
        parser.add_argument("--user", help="以该手机号的账号导出（检查其权限）；不填则以系统身份导出")

    def handle(self, *args, out, community, user=None, **options):
        region = community_by_code(community)
        actor = user_by_phone(user)
        try:
            counts = roster_export(actor=actor, community_id=region.pk, out=out, as_system=actor is None)
        except NotFound:
            raise CommandError(REFUSED) from None
        self.stdout.write(
            f"已导出 {region.name}：楼栋 {counts['buildings']} 栋，房屋 {counts['households']} 户，"
            f"居民 {counts['residents']} 行 → {out}"
        )
