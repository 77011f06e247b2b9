"""The printable registration form of a family: a pure function from FamilyForm to PDF."""

import datetime
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from portal.pdf import FormWriter, new_document, output

PHOTO_W, PHOTO_H = 24, 31


@dataclass(frozen=True)
class MemberLine:
    relation: str
    name_hi: str
    name_en: str
    date_of_birth: datetime.date
    gender: str
    aadhaar_masked: str
    details: str
    photo: bytes | None


@dataclass(frozen=True)
class FamilyForm:
    number: str
    kind: str
    status: str
    submitted_on: datetime.date | None
    office: str
    ddo_or_treasury: str
    employment: list[tuple[str, str]]
    mobile: str
    email: str
    address: str
    ward: str
    language: str
    qr_text: str
    members: list[MemberLine] = field(default_factory=list)


def render_family_form(data: FamilyForm) -> bytes:
    pdf = new_document(title=f"Registration {data.number}", footer=data.number)
    pdf.add_page()
    form = FormWriter(pdf, data.language)
    b, row = form.b, form.row
    form.header(title=_("Registration form: employee / pensioner and family"), number_label=_("Application number"),
                number=data.number, date_label=_("Submitted on"), date=data.submitted_on, qr_text=data.qr_text)

    form.heading(b(_("1. Employee / pensioner")))
    row(b(_("Employee or pensioner")), data.kind)
    row(b(_("Office")), data.office)
    row(b(_("DDO / treasury")), data.ddo_or_treasury)
    for label, value in data.employment:
        row(label, value)
    row(b(_("Ward entitlement")), data.ward)
    row(b(_("Mobile number")), data.mobile)
    row(b(_("Email")), data.email)
    row(b(_("Address")), data.address)

    form.heading(b(_("2. Family members")))
    narrow = form.width - PHOTO_W - 4
    for index, member in enumerate(data.members, start=1):
        if pdf.get_y() > pdf.h - 18 - 40:
            pdf.add_page()
        top = pdf.get_y()
        if member.photo:
            pdf.image(io.BytesIO(member.photo), x=form.left + form.width - PHOTO_W, y=top + 1, w=PHOTO_W, h=PHOTO_H)
        else:
            pdf.set_draw_color(150, 150, 150)
            pdf.rect(form.left + form.width - PHOTO_W, top + 1, PHOTO_W, PHOTO_H)
        row(f"{index}. {b(_('Relation'))}", member.relation, width=narrow, label_w=55)
        row(b(_("Name in Hindi")), member.name_hi, width=narrow, label_w=55)
        row(b(_("Name in English")), member.name_en, width=narrow, label_w=55)
        row(b(_("Date of birth")) + " · " + b(_("Gender")), f"{member.date_of_birth:%d.%m.%Y} · {member.gender}",
            width=narrow, label_w=55)
        row(b(_("Aadhaar number")), member.aadhaar_masked, width=narrow, label_w=55)
        if member.details:
            row(b(_("Eligibility details")), member.details, width=narrow, label_w=55)
        pdf.set_y(max(pdf.get_y(), top + PHOTO_H + 3))

    if pdf.get_y() > pdf.h - 90:
        pdf.add_page()
    form.heading(b(_("3. Declaration")))
    form.text(b(_("I declare that the details above are true, that the family members listed are my dependents "
                  "as the scheme defines them, and that I will report any change at once.")))
    form.signatures(
        b(_("Signature of the employee / pensioner with date")),
        b(_("Verified by the DDO / Treasury Officer: signature, date and seal")),
        seal=True,
    )
    form.heading(b(_("What to do next")))
    form.text(b(_("Sign the form and give it to your DDO (employees) or Treasury Officer (pensioners). "
                  "After they verify it online, your user ID comes by SMS.")))
    return output(pdf)
