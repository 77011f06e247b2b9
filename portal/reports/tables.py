"""The fortnightly report in its fixed format, as rows of cells: what the page, the PDF,
the XLSX and the CSV all show. One row per unit (district, department or office, as the
scope requires), one column per figure of REPORT_COLUMNS, and a totals row; each cell also
carries the previous fortnight's value."""

from dataclasses import dataclass

from django.utils import timezone, translation

from .figures import CATEGORIES, REPORT_COLUMNS, Figures, Unit
from .selectors import Figured


@dataclass
class Cell:
    value: int | float | None
    previous: int | float | None

    @property
    def text(self) -> str:
        return number(self.value)

    @property
    def previous_text(self) -> str:
        return number(self.previous)


@dataclass
class Line:
    unit: Unit
    cells: list[Cell]


@dataclass
class Table:
    current: Figured
    previous: Figured | None
    category: str
    lines: list[Line]
    total: Line

    @property
    def columns(self):
        return REPORT_COLUMNS


def number(value) -> str:
    """Indian digit grouping (1,00,000), one decimal for percentages, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    sign, digits = ("-" if value < 0 else ""), str(abs(int(value)))
    if len(digits) <= 3:
        return sign + digits
    head, tail = digits[:-3], digits[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return sign + ",".join(groups + [tail])


def _cells(figures: Figures, previous: Figures | None, category: str) -> list[Cell]:
    return [Cell(figures.get(key, category), previous.get(key, category) if previous else None)
            for key, _label in REPORT_COLUMNS]


def build(current: Figured, previous: Figured | None, category: str = "total") -> Table:
    if category not in CATEGORIES:
        category = "total"
    before = {u.key: u.figures for u in previous.rows} if previous else {}
    lines = [Line(u, _cells(u.figures, before.get(u.key, Figures() if previous else None), category))
             for u in current.rows]
    total = Line(current.total, _cells(current.total.figures, previous.total.figures if previous else None, category))
    return Table(current=current, previous=previous, category=category, lines=lines, total=total)


def status_text(figured: Figured, language: str) -> str:
    """How the figures were made, in `language`."""
    from django.utils.translation import gettext

    with translation.override(language):
        if figured.frozen:
            snapshot = figured.snapshot
            text = gettext("Frozen on %(date)s (version %(version)d)") % {
                "date": f"{timezone.localtime(snapshot.taken_at):%d.%m.%Y %H:%M}", "version": snapshot.version}
            if snapshot.reason:
                text += " — " + gettext("regenerated: %(reason)s") % {"reason": snapshot.reason}
            return text
        if figured.in_progress:
            return gettext("Provisional: the fortnight is in progress; figures as at %(time)s") % {
                "time": f"{timezone.localtime(figured.cut):%d.%m.%Y %H:%M}"}
        return gettext("Not frozen yet: counted on %(time)s") % {
            "time": f"{timezone.localtime(figured.generated_at):%d.%m.%Y %H:%M}"}


def body_html(table: Table, *, period_slug: str) -> str:
    """The report's <tbody>, built in Python: a state report has 75 rows of 20 cells with the
    previous fortnight in each, which Django's template engine renders ten times slower."""
    from django.urls import reverse
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    link = reverse("reports:report", kwargs={"scope": "TOKEN"})
    previous = escape(gettext("previous fortnight"))
    show_previous = table.previous is not None

    def cells(line: Line) -> str:
        # number() writes only digits, commas, a point, a minus or a dash: nothing to escape.
        if show_previous:
            return "".join(f'<td class="num">{c.text}<span class="prev"><span class="visually-hidden">{previous}: '
                           f'</span>{c.previous_text}</span></td>' for c in line.cells)
        return "".join(f'<td class="num">{c.text}</td>' for c in line.cells)

    rows = []
    for line in table.lines:
        unit = line.unit
        name = escape(unit.name)
        if unit.token:
            url = escape(link.replace("TOKEN", unit.token) + f"?period={period_slug}")
            name = f'<a href="{url}">{name}</a>'
        rows.append(f'<tr><th scope="row">{name}<br><span class="muted">{escape(unit.code)}</span></th>'
                    f"{cells(line)}</tr>")
    if not table.lines:
        rows.append(f'<tr><td colspan="{len(table.columns) + 1}">'
                    f'{escape(gettext("Nothing to show in this scope yet: every figure is zero."))}</td></tr>')
    rows.append(f'<tr class="total"><th scope="row">{escape(gettext("Total"))}</th>{cells(table.total)}</tr>')
    return mark_safe("".join(rows))
