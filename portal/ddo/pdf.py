"""The printable DDO/TO registration form: a pure function from FormData to PDF bytes."""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.pdf import new_document, output, qr_png, wrap, write_lines


@dataclass(frozen=True)
class OfficeLine:
    name_hi: str
    name_en: str
    address: str
    district: str
    department: str
    office_type: str
    headcount: int


@dataclass(frozen=True)
class FormData:
    number: str
    kind: str
    status: str
    submitted_on: datetime.date | None
    officer_name_hi: str
    officer_name_en: str
    designation: str
    department: str
    district: str
    treasury: str
    ddo_code: str
    mobile: str
    mobile_kind: str
    email: str
    controlling_officer_name: str
    controlling_officer_designation: str
    language: str
    qr_text: str
    support_email: str
    state_cell_address: str
    offices: list[OfficeLine] = field(default_factory=list)


def bilingual(text, language: str) -> str:
    """The recipient's language first, then the other: the form is always bilingual.
    `text` is a message id or a lazy translation (such as a choice label)."""
    order = ("hi", "en") if language == "hi" else ("en", "hi")
    parts = []
    for code in order:
        with translation.override(code):
            parts.append(str(text) if isinstance(text, Promise) else gettext(text))
    return parts[0] if parts[0] == parts[1] else f"{parts[0]} / {parts[1]}"


def render_application_form(data: FormData) -> bytes:
    def b(text) -> str:
        return bilingual(text, data.language)

    pdf = new_document(title=f"DDO/TO registration {data.number}", footer=data.number)
    pdf.add_page()
    left, width = pdf.l_margin, pdf.w - pdf.l_margin - pdf.r_margin

    def text(value: str, *, w: float = width, h: float = 5, x: float | None = None) -> None:
        pdf.set_y(pdf.get_y() + write_lines(pdf, left if x is None else x, pdf.get_y(), w, h, value))

    def heading(value: str) -> None:
        pdf.ln(2)
        pdf.set_fill_color(230, 236, 245)
        pdf.set_font("noto", "B", 10)
        pdf.set_x(left)
        pdf.cell(width, 7, value, new_x="LMARGIN", new_y="NEXT", fill=True)
        pdf.set_font("noto", "", 9.5)

    def row(label: str, value: str) -> None:
        label_w = 70
        pdf.set_font("noto", "", 8.5)
        label_lines = len(wrap(pdf, label_w, label))
        pdf.set_font("noto", "", 9.5)
        height = max(label_lines, len(wrap(pdf, width - label_w, value or "—"))) * 5
        if pdf.get_y() + height > pdf.h - 18:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font("noto", "", 8.5)
        write_lines(pdf, left, y, label_w, 5, label)
        pdf.set_font("noto", "", 9.5)
        write_lines(pdf, left + label_w, y, width - label_w, 5, value or "—")
        pdf.set_y(y + height + 0.8)
        pdf.set_draw_color(210, 210, 210)
        pdf.line(left, pdf.get_y() - 0.4, left + width, pdf.get_y() - 0.4)

    pdf.image(qr_png(data.qr_text, scale=3), x=pdf.w - pdf.r_margin - 30, y=10, w=30, h=30)
    pdf.set_y(10)
    pdf.set_font("noto", "B", 13)
    text("पं. दीनदयाल उपाध्याय राज्य कर्मचारी कैशलेस चिकित्सा योजना", w=width - 34, h=7)
    pdf.set_font("noto", "B", 10)
    text("Pandit Deendayal Upadhyay State Employees Cashless Treatment Scheme, Uttar Pradesh", w=width - 34)
    pdf.ln(2)
    pdf.set_font("noto", "B", 12)
    text(b(_("DDO/TO registration form")), w=width - 34, h=6)
    pdf.set_font("noto", "", 10)
    text(f"{b(_('Application number'))}: {data.number}", w=width - 34, h=6)
    if data.submitted_on:
        text(f"{b(_('Submitted on'))}: {data.submitted_on:%d.%m.%Y}", w=width - 34, h=6)
    pdf.set_y(max(pdf.get_y(), 44))

    heading(b(_("1. Officer")))
    row(b(_("Registering as")), data.kind)
    row(b(_("Officer's name in Hindi")), data.officer_name_hi)
    row(b(_("Officer's name in English")), data.officer_name_en)
    row(b(_("Designation")), data.designation)
    row(b(_("Department")), data.department)
    row(b(_("District")), data.district)
    row(b(_("Treasury")), data.treasury)
    row(b(_("DDO code")), data.ddo_code)
    row(b(_("Mobile number")), f"{data.mobile} ({data.mobile_kind})")
    row(b(_("Email")), data.email)
    row(b(_("Controlling officer's name")), data.controlling_officer_name)
    row(b(_("Controlling officer's designation")), data.controlling_officer_designation)

    heading(b(_("2. Offices in the officer's charge")))
    for index, office in enumerate(data.offices, start=1):
        row(f"{index}. {b(_('Office name in Hindi'))}", office.name_hi)
        row(b(_("Office name in English")), office.name_en)
        row(b(_("Address")), office.address)
        row(b(_("District")) + " · " + b(_("Department")), f"{office.district} · {office.department}")
        row(b(_("Office type")), office.office_type)
        row(b(_("Approximate number of employees (DDO) or pensioners (TO)")), str(office.headcount))

    if pdf.get_y() > pdf.h - 85:  # keep the declaration with the signatures below it
        pdf.add_page()
    heading(b(_("3. Declaration")))
    text(b(_("I certify that the details above are correct and that I hold charge of the offices listed.")))
    pdf.ln(14)
    half = (width - 10) / 2
    y = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.line(left, y, left + half, y)
    pdf.line(left + half + 10, y, left + width, y)
    pdf.set_font("noto", "", 8.5)
    used = write_lines(pdf, left, y + 1, half, 4.5, "\n".join([
        b(_("Signature of the DDO/TO with date")), f"{data.officer_name_hi} / {data.officer_name_en}", data.designation]))
    used = max(used, write_lines(pdf, left + half + 10, y + 1, half, 4.5, "\n".join([
        b(_("Verified: signature of the controlling officer with date and seal")),
        data.controlling_officer_name, data.controlling_officer_designation])))
    seal_x, seal_y = left + width - 32, y + used + 4
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(seal_x, seal_y, 30, 20)
    pdf.set_xy(seal_x, seal_y + 7.5)
    pdf.cell(30, 5, b(_("Seal")), align="C")
    pdf.set_y(seal_y + 22)

    heading(b(_("What to do next")))
    steps = [
        b(_("Sign the form and have it verified by your controlling officer with seal.")),
        b(_("Upload the scan on the portal with your application number, or email it to")) + f" {data.support_email}",
        b(_("Send the signed hard copy by post to")) + f": {data.state_cell_address}",
        b(_("After the state cell approves, your user ID and password will come by SMS.")),
    ]
    for number, step in enumerate(steps, start=1):
        text(f"{number}. {step}")

    return output(pdf)
