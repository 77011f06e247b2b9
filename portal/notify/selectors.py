from .models import Message


def outbox(*, status: str = "", to: str = ""):
    messages = Message.objects.defer("sealed_body").order_by("-created_at", "-id")
    if status:
        messages = messages.filter(status=status)
    if to:
        # Emails are queued in lower case and mobiles normalised (outbox._queue): an exact
        # match on the `to` index, where `__iexact` (UPPER(to)) would read the whole outbox.
        messages = messages.filter(to=to.strip().lower())
    return messages
