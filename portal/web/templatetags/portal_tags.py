from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.translation import get_language, override

register = template.Library()


def _render(error, language: str) -> str:
    with override(language):
        return " ".join(error)  # a ValidationError yields its messages with params filled in


@register.simple_tag
def error_lines(errors):
    """Each error in the page's language, and in the other language when it differs:
    a clear message for officers who read either one better."""
    current = "en" if (get_language() or "hi").startswith("en") else "hi"
    other = "hi" if current == "en" else "en"
    lines = []
    for error in errors.as_data():
        text, translated = _render(error, current), _render(error, other)
        lines.append({"text": text, "other": translated if translated != text else "", "lang": other})
    return lines


class _MenuUser:
    """All the menu may read of the user, so a kept menu cannot carry anyone's own details."""

    def __init__(self, user):
        self.role, self.is_officer, self.is_authenticated = user.role, user.is_officer, True


_menus: dict[tuple[str, str, str, bool], str] = {}


@register.simple_tag(takes_context=True)
def role_menu(context):
    """The menu links of a signed-in user (includes/menu.html). They depend only on the role,
    whether the user is an officer and the language, so each combination is rendered once
    per process: some 15 URL reversals, translations and role tests on every page otherwise."""
    user = context["user"]
    key = (get_script_prefix(), get_language() or "", user.role, user.is_officer)
    menu = _menus.get(key)
    if menu is None:
        menu = _menus[key] = render_to_string("includes/menu.html", {"user": _MenuUser(user)})
    return menu
