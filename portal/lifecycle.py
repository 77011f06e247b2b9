"""Moving a record along its life cycle: only the moves its model allows, each audited."""

from portal import clock
from portal.audit.services import Actor, record
from portal.i18n import later


def move(obj, to: str, *, transitions: dict, statuses, error: type, actor: Actor, action: str, reason: str = "",
         **details) -> None:
    """Set `obj.status` to `to` if `transitions` allows it from the current status, save, and
    write the audit event `<action>.<to>`; otherwise raise `error` with a message that names
    both statuses. `statuses` is the model's TextChoices (for the labels)."""
    if to not in transitions[obj.status]:
        current = obj.status
        raise error(later(lambda: _cannot() % {"status": statuses(current).label, "to": statuses(to).label}))
    previous = obj.status
    obj.status = to
    obj.updated_at = clock.now()
    if reason:
        obj.reason = reason
    obj.save()
    record(actor=actor, action=f"{action}.{to}", target=obj, details={"from": previous, "to": to, "reason": reason,
                                                                        **details})


def _cannot() -> str:
    from django.utils.translation import gettext

    return gettext("This application is %(status)s; it cannot be moved to %(to)s.")
