"""Every write to master data. Imports are all-or-nothing."""

import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.audit.services import Actor, record

from .imports import ImportRejected, ImportReport, new_row_defaults, read_table, row_of
from .models import Office
from .selectors import forget_choices


def _save_with_code(obj) -> None:
    """Offices without a code get one made from their row id: unique without a counter table."""
    forget_choices()
    transaction.on_commit(forget_choices)  # again, in case a page cached the old list meanwhile
    if isinstance(obj, Office) and not obj.code:
        obj.code = f"new-{uuid.uuid4().hex[:12]}"
        obj.save()
        obj.code = f"OF{obj.pk:07d}"
        obj.save(update_fields=["code"])
    else:
        obj.save()


@transaction.atomic
def create_office(*, actor: Actor, **fields) -> Office:
    office = Office(**fields)
    _save_with_code(office)
    record(actor=actor, action="directory.office.created", target=office, details={"ddo_code": office.ddo_code})
    return office


@transaction.atomic
def save_master_record(*, actor: Actor, form) -> object:
    """Create or update a department, treasury or office from a validated form."""
    creating = form.instance.pk is None
    obj = form.save(commit=False)
    _save_with_code(obj)
    record(
        actor=actor,
        action=f"directory.{obj._meta.model_name}.{'created' if creating else 'updated'}",
        target=obj,
        details={"fields": sorted(form.changed_data)},
    )
    return obj


def import_master_records(*, actor: Actor, spec, upload) -> ImportReport:
    """Validate every row first; write nothing unless every row is good."""
    rows = read_table(upload, spec=spec)
    report = ImportReport(total=len(rows))
    forms = []
    seen: dict[str, int] = {}
    for number, row in rows:
        key = (row.get(spec.key) or "").strip()
        if key and key in seen:
            report.add(number, spec.key, _("The same code is also in row %(row)d.") % {"row": seen[key]})
            continue
        if key:
            seen[key] = number
        instance = spec.model.objects.filter(**{spec.key: key}).first() if key else None
        base = row_of(spec, instance) if instance else new_row_defaults(spec)
        form = spec.form(data={**base, **row}, instance=instance)
        if form.is_valid():
            forms.append(form)
        else:
            for field, errors in form.errors.items():
                for message in errors:
                    report.add(number, field if field != "__all__" else "", message)
    if report.errors:
        raise ImportRejected(report)
    try:
        with transaction.atomic():
            for form in forms:
                creating = form.instance.pk is None
                _save_with_code(form.save(commit=False))
                report.created += creating
                report.updated += not creating
            record(
                actor=actor,
                action=f"directory.{spec.model._meta.model_name}.imported",
                details={"rows": report.total, "created": report.created, "updated": report.updated},
            )
    except IntegrityError as exc:
        report.add(0, "", str(exc))
        raise ImportRejected(report) from exc
    return report
