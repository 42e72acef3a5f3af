"""Create (or revoke) an api_key for an Open311 client: ``manage.py open311_apikey NAME``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.casework.open311.actions import open311_key_create, open311_key_revoke
from gongzhi.core.errors import ApplicationError


class Command(BaseCommand):
    help = "为 Open311 客户端创建 api_key（只显示这一次，库里只存摘要）；加 --revoke 撤销同名密钥。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="密钥名称，写使用方，例如“市民通 App”")
        parser.add_argument("--revoke", action="store_true", help="撤销该名称的密钥")

    def handle(self, *args, name: str, revoke: bool, **options) -> None:
        try:
            if revoke:
                key = open311_key_revoke(actor=None, name=name)
                self.stdout.write(f"已撤销密钥“{key.name}”（{key.prefix}…），使用它的提交将被拒绝（403）。")
                return
            key, raw = open311_key_create(actor=None, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已创建 Open311 密钥“{key.name}”。请立即转交使用方，它不会再显示：")
        self.stdout.write(raw)
