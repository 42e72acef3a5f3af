from django.core.management.base import BaseCommand

from ...roster.writer import write_template
from ._roster import community_by_code


class Command(BaseCommand):
    help = "生成空白花名册模板（.xlsx）：说明、楼栋、房屋、居民四张表，每表一行示例和下拉选项。"

    def add_arguments(self, parser):
        parser.add_argument("out", help="输出文件，如 花名册模板.xlsx")
        parser.add_argument("--community", help="社区编码：给出时小区、网格列提供该社区的下拉选项")

    def handle(self, *args, out, community=None, **options):
        region = community_by_code(community) if community else None
        write_template(out, community=region)
        self.stdout.write(f"已生成模板：{out}")
