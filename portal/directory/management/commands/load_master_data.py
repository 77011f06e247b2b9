from django.core.management.base import BaseCommand

from portal.directory.loader import load_master_data


class Command(BaseCommand):
    help = "Load divisions, districts, treasuries and departments shipped with the portal (safe to repeat)."

    def handle(self, *args, **options):
        result = load_master_data()
        self.stdout.write(
            f"master data: {result.divisions} divisions, {result.districts} districts, "
            f"{result.treasuries} treasuries, {result.departments} departments"
        )
