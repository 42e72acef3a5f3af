from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from gongzhi.core.periodic import ensure_scheduled


class Command(BaseCommand):
    help = "Start the periodic task chains (settings.PERIODIC_TASKS) unless one is already waiting."

    def handle(self, *args, **options):
        for path in settings.PERIODIC_TASKS:
            task = import_string(path)
            started = ensure_scheduled(task)
            self.stdout.write(f"{path}: {'scheduled' if started else 'already scheduled'}")
