from django import template
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
