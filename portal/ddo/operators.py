"""Computer-operator accounts, created by a DDO/TO for their own office."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.accounts.access import live_grants_for_offices
from portal.accounts.models import Role, User
from portal.accounts.services import create_user, revoke_grant, set_active
from portal.audit.services import Actor


class OperatorError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@transaction.atomic
def create_operator(*, actor: Actor, office, name_en: str, name_hi: str, mobile: str, language: str) -> User:
    """The operator's user ID and one-time password go to the operator's mobile by SMS."""
    if User.objects.filter(role=Role.OPERATOR, mobile=mobile, is_active=True).exists():
        raise OperatorError(_("An active operator account already uses this mobile number."))
    return create_user(actor=actor, role=Role.OPERATOR, name_en=name_en, name_hi=name_hi,
                       designation="Computer operator", mobile=mobile, language=language,
                       units=[{"office": office}], note=f"operator of {office.code}")


@transaction.atomic
def remove_operator(*, actor: Actor, operator: User, offices) -> None:
    for grant in live_grants_for_offices(offices).filter(user=operator):
        revoke_grant(actor=actor, grant=grant, note="removed by the DDO/TO")
    if not live_grants_for_offices(None).filter(user=operator).exists():
        set_active(actor=actor, user=operator, active=False, reason="removed by the DDO/TO")


def operators_of(offices):
    return (User.objects.filter(role=Role.OPERATOR, is_active=True, grants__office__in=offices,
                                grants__revoked_at__isnull=True).distinct().order_by("username"))
