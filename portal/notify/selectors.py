from .models import Message


def outbox(*, status: str = "", to: str = ""):
    messages = Message.objects.defer("sealed_body").order_by("-created_at", "-id")
    if status:
        messages = messages.filter(status=status)
    if to:
        messages = messages.filter(to__iexact=to.strip())
    return messages
