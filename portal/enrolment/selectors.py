"""Scoped reads of families, members and what is waiting for a DDO/TO."""

import base64
import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Exists, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Upper
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from portal.accounts.access import get_scoped_or_404, scope_for, scoped
from portal.accounts.models import Grant, Role
from portal.audit.selectors import events_for
from portal.directory.models import Office
from portal.waiting import waited
from portal.identifiers import as_stored
from portal.namesearch import contains_unindexed

from .models import (
    PENDING,
    ChangeRequest,
    DuplicateFlag,
    Family,
    Kind,
    Member,
    Relation,
    Status,
    Transfer,
)

FAMILY_PATHS = {"office": "office", "district": "office__district", "division": "office__district__division",
                "department": "office__department"}
MEMBER_PATHS = {k: f"family__{v}" for k, v in FAMILY_PATHS.items()}
FLAG_PATHS = {k: f"member__{v}" for k, v in MEMBER_PATHS.items()}
CHANGE_PATHS = MEMBER_PATHS  # a change request reaches its office through its family, as a member does


def _approved_officers():
    """Live grants of registered, approved DDOs/TOs."""
    return Grant.objects.filter(revoked_at__isnull=True, user__is_active=True, user__role__in=[Role.DDO, Role.TO])


OFFICE_KIND = {Kind.EMPLOYEE: Office.Kind.DDO, Kind.PENSIONER: Office.Kind.TREASURY}


def registered_offices(*, kind: str, treasury, ddo_code: str = ""):
    """Offices whose DDO/TO is registered and approved (holds a live grant): only these can
    take employees' or pensioners' registrations."""
    offices = Office.objects.filter(active=True, treasury=treasury)
    if kind == Kind.EMPLOYEE:
        offices = offices.filter(kind=Office.Kind.DDO, ddo_code=ddo_code)
    else:
        offices = offices.filter(kind=Office.Kind.TREASURY)
    return offices.filter(pk__in=_approved_officers().values("office_id")).select_related(
        "district", "department", "treasury")


def office_taking_registrations(*, code: str, kind: str) -> Office | None:
    """The office with this code if it takes `kind` registrations (a DDO office for employees,
    a treasury office for pensioners) and its DDO/TO is registered and approved."""
    return (Office.objects.filter(code=code, active=True, kind=OFFICE_KIND[kind])
            .filter(Exists(_approved_officers().filter(office=OuterRef("pk")))).first())


def officer_of(office: Office):
    grant = (Grant.objects.filter(office=office, revoked_at__isnull=True, user__role__in=[Role.DDO, Role.TO])
             .select_related("user").first())
    return grant.user if grant else None


_DEVANAGARI = re.compile("[\u0900-\u097F]")


def _with_digits_as_ascii(text: str) -> str:
    """Digits typed on a Hindi keyboard (०-९) read as ASCII, as the portal stores them."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def _search(qs, query: str, *, indexed: bool):
    """A family by application number, employee ID, PPO number or mobile, and by the primary
    beneficiary's name unless the term has a digit (then it is one of those identifiers).
    The identifiers are matched exactly on upper-case functional indexes; the name test is a
    correlated EXISTS, so it reads the members of the families already in scope (one index
    probe each) instead of every primary beneficiary in the state. With `indexed` (a scope
    wider than offices) it is written so that the trigram index (migration 0004) can answer
    it, and the planner picks; without, so that it cannot (portal/namesearch.py)."""
    query = _with_digits_as_ascii(query)
    upper = query.upper()
    match = (Q(number=upper) | Q(employee_id_upper=upper) | Q(ppo_number_upper=upper))
    if query.isdigit():
        match |= Q(mobile=query)
    if not any(ch.isdigit() for ch in query):
        # Names are kept one script per field (the forms refuse anything else), so a term in
        # Devanagari is looked for in the Hindi name and any other in the English one.
        field = "name_hi" if _DEVANAGARI.search(query) else "name_en"
        name = Q(**{f"{field}__icontains": query}) if indexed else contains_unindexed(field, query)
        match |= Exists(Member.objects.filter(name, family=OuterRef("pk"), relation=Relation.SELF))
    return qs.alias(employee_id_upper=Upper("employee_id"), ppo_number_upper=Upper("ppo_number")).filter(match)


def families_for(user, filters: dict | None = None):
    """What a DDO/TO (their offices), an operator (their office) or a monitoring officer sees,
    oldest first. Plain rows: a list fetches what it shows itself (`queue_page`)."""
    qs = scoped(Family.objects.all(), user, FAMILY_PATHS)
    filters = filters or {}
    status = filters.get("status") or ""
    offices_only = user.role != Role.OPERATOR  # a draft is the applicant's (or operator's) work until submitted
    if status == "":
        # The waiting queue: exactly the partial index enrolment_family_waiting (office, submitted_at, id).
        qs = qs.filter(status__in=PENDING) if offices_only else qs
    else:
        if status != "all":
            qs = qs.filter(status=status)
        if offices_only:
            qs = qs.exclude(status=Status.DRAFT)
    qs = waited(qs, filters.get("age", ""))
    query = (filters.get("q") or "").strip()
    if query:
        qs = _search(qs, query, indexed=not scope_for(user).offices_only)
    return qs.order_by("submitted_at", "id")


@dataclass(frozen=True)
class QueueRow:
    """One line of the DDO/TO's queue, ready to print."""

    number: str
    status: str
    status_label: str
    kind_label: str
    identifier: str  # employee ID or PPO number
    name_hi: str
    name_en: str
    members: int
    submitted_on: str
    form_received: bool
    waiting: bool
    review_url: str


def _first_page(page_number) -> bool:
    return page_number in (None, "", "1", 1)


def _queue_rows(qs):
    """Only the columns the queue shows, with the primary beneficiary's names and the number
    of members still in the family as subqueries."""
    primary = Member.objects.filter(family=OuterRef("pk"), relation=Relation.SELF, active=True).order_by()
    count = (Member.objects.filter(family=OuterRef("pk"), active=True).order_by()
             .annotate(n=Func(F("id"), function="COUNT")).values("n"))
    return qs.values(
        "id", "number", "kind", "status", "employee_id", "ppo_number", "submitted_at", "form_received_on",
        name_hi=Subquery(primary.values("name_hi")[:1]), name_en=Subquery(primary.values("name_en")[:1]),
        member_count=Subquery(count),
    )


def queue_page(user, filters: dict | None, page_number, *, per_page: int = 50):
    """One page of the queue: only the columns the page shows and, as subqueries, the
    primary beneficiary's names and the number of members. No model objects are built for
    the rows, and the cost does not grow with the office's families.

    The first page (what nearly every visit and search shows) is one query with LIMIT: the
    subqueries run for the rows shown only (PostgreSQL evaluates them after its sort), and a
    first page with no row after it is the whole list, so it needs no count either. A later
    page takes the count, the page's keys in queue order, then those rows: with OFFSET in
    one query PostgreSQL would compute the subqueries for every skipped row too.
    Labels, dates and links are made here once per page: in the template they cost more than
    everything else on the page together."""
    families = families_for(user, filters)
    paginator = Paginator(families.values_list("id", flat=True), per_page)
    if _first_page(page_number):
        rows = list(_queue_rows(families)[:per_page + 1])  # one more: is there a second page?
        if len(rows) <= per_page:
            paginator.count = len(rows)  # Paginator.count is a cached property: no COUNT query
        rows = rows[:per_page]
        page = paginator.page(1)
    else:
        page = paginator.get_page(page_number)
        ids = list(page.object_list)
        # `ids` come from the scoped query above.
        by_id = {r["id"]: r for r in _queue_rows(Family.objects.filter(pk__in=ids).order_by())} if ids else {}
        rows = [by_id[pk] for pk in ids if pk in by_id]
    statuses, kinds = {k: str(v) for k, v in Status.choices}, {k: str(v) for k, v in Kind.choices}
    review = reverse("enrolment:review", args=["NUMBER"])
    page.object_list = [QueueRow(
        number=r["number"], status=r["status"], status_label=statuses[r["status"]], kind_label=kinds[r["kind"]],
        identifier=r["employee_id"] or r["ppo_number"], name_hi=r["name_hi"] or "", name_en=r["name_en"] or "",
        members=r["member_count"] or 0,
        submitted_on=timezone.localtime(r["submitted_at"]).strftime("%d.%m.%Y") if r["submitted_at"] else "—",
        form_received=r["form_received_on"] is not None, waiting=r["status"] in PENDING,
        review_url=review.replace("NUMBER", r["number"]),
    ) for r in rows]
    return page


def families_by_number(user, numbers: list[str]) -> list[Family]:
    """The user's submitted families among `numbers` (bulk verification): just the keys."""
    return list(families_for(user, {"status": "all"}).filter(number__in=numbers).only("id", "number"))


stored_number = as_stored  # portal/identifiers.py


def family_or_404(user, number: str) -> Family:
    if user.role == Role.BENEFICIARY:
        return get_object_or_404(Family.objects.select_related("office", "pay_level"), user=user,
                                 number=stored_number(number))
    families = Family.objects.select_related("office", "pay_level")
    if user.role != Role.OPERATOR:  # a draft is the applicant's (or operator's) work until submitted
        families = families.exclude(status=Status.DRAFT)
    return get_scoped_or_404(families, user, FAMILY_PATHS, number=stored_number(number))


def family_of_beneficiary(user) -> Family | None:
    return Family.objects.filter(user=user).select_related("office", "pay_level").first()


def members(family: Family):
    return list(family.members.filter(active=True).select_related("photo", "aadhaar").order_by("id"))


def member_photo_or_404(user, pk: int) -> Member:
    if user.role == Role.BENEFICIARY:
        return get_object_or_404(Member.objects.select_related("photo"), pk=pk, family__user=user)
    return get_scoped_or_404(Member.objects.select_related("photo"), user, MEMBER_PATHS, pk=pk)


def history(family: Family) -> list[dict]:
    return [
        {"at": e.at, "status": Status(e.details["to"]).label, "reason": e.details.get("reason", "")}
        for e in events_for(family) if e.details.get("to") in Status.values
    ]


def duplicate_flags(family: Family):
    return (DuplicateFlag.objects.filter(member__family=family, state=DuplicateFlag.State.OPEN)
            .select_related("member", "other", "other__family", "other__family__office"))


def open_duplicates_for(user):
    return scoped(DuplicateFlag.objects.filter(state=DuplicateFlag.State.OPEN), user, FLAG_PATHS).select_related(
        "member__family__office", "other__family__office")


def duplicate_or_404(user, pk: int) -> DuplicateFlag:
    return get_scoped_or_404(DuplicateFlag.objects.select_related("member__family", "other__family"), user,
                             FLAG_PATHS, pk=pk)


def changes_waiting(user):
    return scoped(ChangeRequest.objects.filter(state=ChangeRequest.State.PENDING), user,
                  CHANGE_PATHS).select_related("family", "member")


@dataclass(frozen=True)
class ChangeView:
    """A change request as the DDO/TO decides it: what is asked for, in words (labels, not
    stored codes), and the photos side by side."""

    change: ChangeRequest
    facts: list[tuple[str, str]]
    current_photo: bool  # the member's photo now (served by enrolment:photo)
    new_photo: str  # the photo asked for, as a data: URI, or ""


def _photo_uri(photo) -> str:
    # Inline: a pending photo belongs to no member yet, so the member photo view cannot serve
    # it, and a route of its own needs a row in the endpoint access table first. A stored
    # photo is a normalised JPEG of at most 200 KB (photos.MAX_BYTES), usually far less.
    with photo.file.open("rb") as fh:
        return "data:image/jpeg;base64," + base64.b64encode(fh.read()).decode()


def _change_facts(change: ChangeRequest, aadhaar_last4: dict[int, str]) -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    from .models import Gender, Marital

    data, facts = change.data, []
    born = data.get("date_of_birth")
    born = datetime.date.fromisoformat(born).strftime("%d.%m.%Y") if born else ""
    if change.type == ChangeRequest.Type.ADD:
        facts += [(_("Relation"), str(Relation(data["relation"]).label) if data.get("relation") else ""),
                  (_("Name in Hindi"), data.get("name_hi", "")), (_("Name in English"), data.get("name_en", "")),
                  (_("Date of birth"), born),
                  (_("Gender"), str(Gender(data["gender"]).label) if data.get("gender") else ""),
                  (_("Marital status"), str(Marital(data["marital_status"]).label) if data.get("marital_status") else ""),
                  (_("Person with disability (certified)"), _("yes") if data.get("disabled") else _("no")),
                  (_("Wholly dependent"), _("yes") if data.get("dependent") else _("no")),
                  (_("Own monthly income (₹)"), str(data.get("monthly_income", 0)))]
        if data.get("aadhaar_id") in aadhaar_last4:
            facts.append((_("Aadhaar"), f"XXXX XXXX {aadhaar_last4[data['aadhaar_id']]}"))
        return facts
    member = change.member
    facts.append((_("Family member"), f"{member.name_hi} / {member.name_en} ({Relation(member.relation).label})"))
    if change.type == ChangeRequest.Type.CORRECT:
        for key, label, now in (("name_en", _("Name in English"), member.name_en),
                                ("name_hi", _("Name in Hindi"), member.name_hi),
                                ("date_of_birth", _("Date of birth"), member.date_of_birth.strftime("%d.%m.%Y"))):
            if data.get(key):
                facts.append((label, f"{now} → {born if key == 'date_of_birth' else data[key]}"))
    if data.get("reason"):
        facts.append((_("Reason"), data["reason"]))
    return facts


def change_views(user) -> list[ChangeView]:
    """The changes waiting for the user's offices, ready to show: a query for the changes,
    one for the Aadhaar numbers (last four digits) and one for the new photos, however many."""
    from portal.vault.models import AadhaarRecord

    from .models import Photo

    changes = list(changes_waiting(user).select_related("member__photo"))
    aadhaar_ids = {c.data["aadhaar_id"] for c in changes if c.data.get("aadhaar_id")}
    photo_ids = {c.data["photo_id"] for c in changes if c.data.get("photo_id")}
    last4 = dict(AadhaarRecord.objects.filter(pk__in=aadhaar_ids).values_list("pk", "last4")) if aadhaar_ids else {}
    photos = Photo.objects.in_bulk(photo_ids) if photo_ids else {}
    return [ChangeView(change=c, facts=_change_facts(c, last4),
                       current_photo=bool(c.member_id and c.member.photo_id),
                       new_photo=_photo_uri(photos[c.data["photo_id"]]) if c.data.get("photo_id") in photos else "")
            for c in changes]


def change_or_404(user, pk: int) -> ChangeRequest:
    return get_scoped_or_404(ChangeRequest.objects.select_related("family", "member"), user, CHANGE_PATHS, pk=pk)


def transfers_incoming(user):
    """Transfers waiting for one of the user's offices to accept them."""
    return (Transfer.objects.filter(state=Transfer.State.PENDING, to_office_id__in=scope_for(user).office_ids)
            .select_related("family", "from_office", "to_office"))


def transfers_of(family: Family) -> list[Transfer]:
    """A family's moves, newest first: the sending office sees whether (and why not) they were accepted."""
    return list(family.transfers.select_related("from_office", "to_office")[:10])


def transfer_or_404(user, pk: int) -> Transfer:
    return get_object_or_404(Transfer.objects.select_related("family", "to_office"), pk=pk,
                             to_office_id__in=scope_for(user).office_ids)


def family_form(family: Family):
    """Everything the printable form shows, in both languages where the form is bilingual."""
    from django.conf import settings
    from django.utils.translation import gettext, gettext_lazy

    from portal.i18n import later
    from portal.pdf import bilingual

    from .models import Gender, Marital, Ward
    from .pdf import FamilyForm, MemberLine

    lang = family.language

    def both(obj) -> str:
        return f"{obj.name_hi} / {obj.name_en}" if lang == "hi" else f"{obj.name_en} / {obj.name_hi}"

    if family.kind == Kind.EMPLOYEE:
        employment = [
            (bilingual("Employee ID", lang), family.employee_id),
            (bilingual("Designation", lang), family.designation),
            (bilingual("Date of joining service", lang),
             family.date_of_joining.strftime("%d.%m.%Y") if family.date_of_joining else ""),
            (bilingual("Pay level (7th pay commission)", lang), family.pay_level.code),
        ]
        office_line = f"{family.office.ddo_code} · {both(family.office.treasury)}"
    else:
        employment = [
            (bilingual("PPO number", lang), family.ppo_number),
            (bilingual("Date of retirement", lang),
             family.retirement_date.strftime("%d.%m.%Y") if family.retirement_date else ""),
            (bilingual("Pay level (7th pay commission)", lang), family.pay_level.code),
        ]
        office_line = both(family.office.treasury)
    lines = []
    for member in members(family):
        details = []
        if member.relation != Relation.SELF:
            if member.marital_status:
                details.append(bilingual(Marital(member.marital_status).label, lang))
            if member.disabled:
                details.append(bilingual("Person with disability (certified)", lang))
            if member.dependent:
                details.append(bilingual(gettext_lazy("Wholly dependent"), lang))
            # Marked for the catalogue (a bare literal here never reached it, so the form printed it in English).
            income = member.monthly_income
            details.append(bilingual(later(lambda: gettext("Own income ₹%(amount)d a month") % {"amount": income}),
                                     lang))
        photo = None
        if member.photo_id:
            with member.photo.file.open("rb") as fh:
                photo = fh.read()
        lines.append(MemberLine(
            relation=bilingual(Relation(member.relation).label, lang), name_hi=member.name_hi, name_en=member.name_en,
            date_of_birth=member.date_of_birth, gender=bilingual(Gender(member.gender).label, lang),
            aadhaar_masked=member.aadhaar_masked, details="; ".join(details), photo=photo,
        ))
    return FamilyForm(
        number=family.number, kind=bilingual(Kind(family.kind).label, lang),
        status=bilingual(Status(family.status).label, lang),
        submitted_on=family.submitted_at.date() if family.submitted_at else None,
        office=both(family.office), ddo_or_treasury=office_line, employment=employment, mobile=family.mobile,
        email=family.email, address=family.address, ward=bilingual(Ward(family.ward).label, lang), language=lang,
        qr_text=f"{settings.SITE_URL}/gateway/access/?number={family.number}", members=lines,
    )
