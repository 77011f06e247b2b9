"""Messages translated when they are shown, not when they are made.

A field error built as `later(lambda: _("… %(n)d …") % {"n": n})` stays a lazy string, so
the page can show it in Hindi and in English (templates/includes/field.html)."""

from django.utils.functional import lazy


def later(func) -> str:
    return lazy(func, str)()
