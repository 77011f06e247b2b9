"""Bootstrap: the first state-cell account on a new installation. Later accounts are
created in the portal. The one-time password goes by SMS only, as for everyone else."""

from django.core.management.base import BaseCommand, CommandError

from portal.accounts.models import Role
from portal.accounts.services import create_user
from portal.audit.services import Actor
from portal.fields import MobileField


class Command(BaseCommand):
    help = "Create a state-cell account; the user ID is printed and the password is sent by SMS."

    def add_arguments(self, parser):
        parser.add_argument("--name-en", required=True)
        parser.add_argument("--name-hi", default="")
        parser.add_argument("--designation", default="State cell")
        parser.add_argument("--mobile", required=True)
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        try:
            mobile = MobileField().clean(options["mobile"])
        except Exception as exc:
            raise CommandError(f"mobile: {exc}") from exc
        user = create_user(
            actor=Actor.system("create_state_user"), role=Role.STATE, name_en=options["name_en"],
            name_hi=options["name_hi"], designation=options["designation"], mobile=mobile, email=options["email"],
        )
        self.stdout.write(f"created {user.username}; the one-time password has been sent by SMS to {mobile}")
