"""The audit trail: `record` is called inside the same transaction as the change."""

from dataclasses import dataclass
from typing import Any

from portal import clock

from .models import Event


@dataclass(frozen=True)
class Actor:
    """Who did something and from where. `user` is None for the public."""

    user: Any = None
    role: str = "public"
    label: str = ""
    ip: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(user=None, role="system", label=label)


def actor_from_request(request) -> Actor:
    from portal.ratelimit import client_ip

    user = getattr(request, "user", None)
    ip = client_ip(request)
    if user is not None and user.is_authenticated:
        return Actor(user=user, role=user.role, label=user.username, ip=ip)
    return Actor(user=None, role="public", label="", ip=ip)


def _event(*, actor: Actor, action: str, target: Any, details: dict | None, at) -> Event:
    target_type = target_id = target_label = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_label = str(getattr(target, "audit_label", target))[:150]
    return Event(
        at=at,
        actor=actor.user,
        actor_role=actor.role,
        actor_label=(actor.label or (actor.user.username if actor.user else ""))[:150],
        ip=actor.ip[:64],
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        details=details or {},
    )


def record(*, actor: Actor, action: str, target: Any = None, details: dict | None = None) -> Event:
    event = _event(actor=actor, action=action, target=target, details=details, at=clock.now())
    event.save()
    return event


def record_many(*, actor: Actor, action: str, items: list[tuple[Any, dict]]) -> None:
    """One event per (target, details), written in a single insert (bulk decisions)."""
    now = clock.now()
    Event.objects.bulk_create([_event(actor=actor, action=action, target=t, details=d, at=now) for t, d in items])
