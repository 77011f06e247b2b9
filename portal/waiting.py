"""How long something has waited: the buckets every queue filters and reports by."""

import datetime

from django.utils.translation import gettext_lazy as _

from portal import clock

AGE_BUCKETS = [("0-7", _("0–7 days")), ("8-15", _("8–15 days")), ("16-30", _("16–30 days")), ("31-", _("over 30 days"))]


def waited(queryset, bucket: str, *, field: str = "submitted_at"):
    """Rows whose `field` lies in the bucket ("8-15": waited 8 to 15 whole days; "31-": more)."""
    if not bucket:
        return queryset
    low, _sep, high = bucket.partition("-")
    now = clock.now()
    queryset = queryset.filter(**{f"{field}__lte": now - datetime.timedelta(days=int(low))})
    if high:
        queryset = queryset.filter(**{f"{field}__gt": now - datetime.timedelta(days=int(high) + 1)})
    return queryset
