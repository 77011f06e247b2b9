from .models import Event


def events_for(target) -> list[Event]:
    return list(Event.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by("at", "id"))
