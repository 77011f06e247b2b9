"""The printable DDO/TO registration form: a pure function from FormData to PDF bytes."""

import datetime
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal.pdf import new_document, output, qr_png


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
            parts.append(str(text) if isinstance(text, Promise) else _(text))
    return parts[0] if parts[0] == parts[1] else f"{parts[0]} / {parts[1]}"


def render_application_form(data: FormData) -> bytes:
    def b(text: str) -> str:
        return bilingual(text, data.language)

    pdf = new_document(title=f"DDO/TO registration {data.number}")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.image(qr_png(data.qr_text, scale=3), x=pdf.w - pdf.r_margin - 30, y=10, w=30, h=30)
    pdf.set_font("noto", "B", 13)
    pdf.multi_cell(width - 34, 7, "पं. दीनदयाल उपाध्याय राज्य कर्मचारी कैशलेस चिकित्सा योजना", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", "B", 10)
    pdf.multi_cell(width - 34, 5, "Pandit Deendayal Upadhyay State Employees Cashless Treatment Scheme, Uttar Pradesh",
                   align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("noto", "B", 12)
    pdf.multi_cell(width - 34, 6, b("DDO/TO registration form"), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", "", 10)
    pdf.multi_cell(width - 34, 6, f"{b('Application number')}: {data.number}", align="L", new_x="LMARGIN", new_y="NEXT")
    if data.submitted_on:
        pdf.multi_cell(width - 34, 6, f"{b('Submitted on')}: {data.submitted_on:%d.%m.%Y}", align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), 44))

    def heading(text: str) -> None:
        pdf.ln(2)
        pdf.set_fill_color(230, 236, 245)
        pdf.set_font("noto", "B", 10)
        pdf.cell(width, 7, text, new_x="LMARGIN", new_y="NEXT", fill=True)
        pdf.set_font("noto", "", 9.5)

    def row(label: str, value: str) -> None:
        label_w = 70
        pdf.set_font("noto", "", 8.5)
        label_lines = len(pdf.multi_cell(label_w, 5, label, dry_run=True, output="LINES"))
        pdf.set_font("noto", "", 9.5)
        lines = max(label_lines, len(pdf.multi_cell(width - label_w, 5, value or "—", dry_run=True, output="LINES")))
        if pdf.get_y() + lines * 5 > pdf.h - 18:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font("noto", "", 8.5)
        pdf.multi_cell(label_w, 5, label, align="L", new_x="RIGHT", new_y="TOP")
        pdf.set_font("noto", "", 9.5)
        pdf.set_xy(pdf.l_margin + label_w, y)
        pdf.multi_cell(width - label_w, 5, value or "—", align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(y + lines * 5 + 0.8)
        pdf.set_draw_color(210, 210, 210)
        pdf.line(pdf.l_margin, pdf.get_y() - 0.4, pdf.l_margin + width, pdf.get_y() - 0.4)

    heading(b("1. Officer"))
    row(b("Registering as"), data.kind)
    row(b("Officer's name in Hindi"), data.officer_name_hi)
    row(b("Officer's name in English"), data.officer_name_en)
    row(b("Designation"), data.designation)
    row(b("Department"), data.department)
    row(b("District"), data.district)
    row(b("Treasury"), data.treasury)
    row(b("DDO code"), data.ddo_code)
    row(b("Mobile number"), f"{data.mobile} ({data.mobile_kind})")
    row(b("Email"), data.email)
    row(b("Controlling officer's name"), data.controlling_officer_name)
    row(b("Controlling officer's designation"), data.controlling_officer_designation)

    heading(b("2. Offices in the officer's charge"))
    for index, office in enumerate(data.offices, start=1):
        # One script per cell: fpdf2's font fallback misplaces Latin glyphs on a line
        # that follows a Devanagari line inside the same cell.
        row(f"{index}. {b('Office name in Hindi')}", office.name_hi)
        row(b("Office name in English"), office.name_en)
        row(b("Address"), office.address)
        row(b("District") + " · " + b("Department"), f"{office.district} · {office.department}")
        row(b("Office type"), office.office_type)
        row(b("Approximate number of employees (DDO) or pensioners (TO)"), str(office.headcount))

    heading(b("3. Declaration"))
    pdf.multi_cell(width, 5.5, b("I certify that the details above are correct and that I hold charge of the offices listed."),
                   new_x="LMARGIN", new_y="NEXT")
    if pdf.get_y() > pdf.h - 95:
        pdf.add_page()
    pdf.ln(14)
    half = (width - 10) / 2
    y = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.line(pdf.l_margin, y, pdf.l_margin + half, y)
    pdf.line(pdf.l_margin + half + 10, y, pdf.l_margin + width, y)
    pdf.set_font("noto", "", 8.5)
    pdf.set_xy(pdf.l_margin, y + 1)
    pdf.multi_cell(half, 4.5, b("Signature of the DDO/TO with date") + f"\n{data.officer_name_hi} / {data.officer_name_en}\n{data.designation}",
                   new_x="RIGHT", new_y="TOP")
    pdf.set_xy(pdf.l_margin + half + 10, y + 1)
    pdf.multi_cell(half, 4.5, b("Verified: signature of the controlling officer with date and seal")
                   + f"\n{data.controlling_officer_name}\n{data.controlling_officer_designation}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    seal_x, seal_y = pdf.l_margin + width - 32, pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(seal_x, seal_y, 30, 20)
    pdf.set_xy(seal_x, seal_y + 7.5)
    pdf.cell(30, 5, b("Seal"), align="C")
    pdf.set_xy(pdf.l_margin, seal_y + 22)

    heading(b("What to do next"))
    steps = [
        b("Sign the form and have it verified by your controlling officer with seal."),
        b("Upload the scan on the portal with your application number, or email it to")
        + f" {data.support_email}",
        b("Send the signed hard copy by post to") + f": {data.state_cell_address}",
        b("After the state cell approves, your user ID and password will come by SMS."),
    ]
    for i, step in enumerate(steps, start=1):
        pdf.multi_cell(width, 5, f"{i}. {step}", align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.set_auto_page_break(False)  # the footer sits inside the bottom margin
    for page in range(1, pdf.pages_count + 1):
        pdf.page = page
        pdf.set_xy(pdf.l_margin, pdf.h - 10)
        pdf.set_font("noto", "", 7.5)
        pdf.cell(width, 4, f"{data.number} · {page}/{pdf.pages_count}", align="R")
    return output(pdf)
