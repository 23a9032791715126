from django.core.management.base import BaseCommand

from gaizao.divisions.services import divisions_load_hangzhou


class Command(BaseCommand):
    help = "Load Hangzhou's administrative divisions (13 districts + 西湖风景名胜区, streets, communities)."

    def handle(self, *args: object, **options: object) -> None:
        counts = divisions_load_hangzhou()
        self.stdout.write(f"区划已载入 / divisions loaded: {counts}")
