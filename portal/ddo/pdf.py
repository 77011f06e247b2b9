"""The printable DDO/TO registration form: a pure function from FormData to PDF bytes."""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from portal.pdf import FormWriter, new_document, output


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


def render_application_form(data: FormData) -> bytes:
    pdf = new_document(title=f"DDO/TO registration {data.number}", footer=data.number)
    pdf.add_page()
    form = FormWriter(pdf, data.language)
    b, row = form.b, form.row
    form.header(title=_("DDO/TO registration form"), number_label=_("Application number"), number=data.number,
                date_label=_("Submitted on"), date=data.submitted_on, qr_text=data.qr_text)

    form.heading(b(_("1. Officer")))
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

    form.heading(b(_("2. Offices in the officer's charge")))
    for index, office in enumerate(data.offices, start=1):
        row(f"{index}. {b(_('Office name in Hindi'))}", office.name_hi)
        row(b(_("Office name in English")), office.name_en)
        row(b(_("Address")), office.address)
        row(b(_("District")) + " · " + b(_("Department")), f"{office.district} · {office.department}")
        row(b(_("Office type")), office.office_type)
        row(b(_("Approximate number of employees (DDO) or pensioners (TO)")), str(office.headcount))

    if pdf.get_y() > pdf.h - 85:  # keep the declaration with the signatures below it
        pdf.add_page()
    form.heading(b(_("3. Declaration")))
    form.text(b(_("I certify that the details above are correct and that I hold charge of the offices listed.")))
    form.signatures(
        "\n".join([b(_("Signature of the DDO/TO with date")), f"{data.officer_name_hi} / {data.officer_name_en}",
                   data.designation]),
        "\n".join([b(_("Verified: signature of the controlling officer with date and seal")),
                   data.controlling_officer_name, data.controlling_officer_designation]),
        seal=True,
    )

    form.heading(b(_("What to do next")))
    steps = [
        b(_("Sign the form and have it verified by your controlling officer with seal.")),
        b(_("Upload the scan on the portal with your application number, or email it to")) + f" {data.support_email}",
        b(_("Send the signed hard copy by post to")) + f": {data.state_cell_address}",
        b(_("After the state cell approves, your user ID and password will come by SMS.")),
    ]
    for number, step in enumerate(steps, start=1):
        form.text(f"{number}. {step}")
    return output(pdf)
