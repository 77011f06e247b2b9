"""Which model each kind of row goes to, and the columns the generator fills (in order).
Columns not listed take their field's default (see tables.py)."""

import functools

from .tables import Table

COLUMNS = {
    "users": ("accounts.User", (
        "id", "password", "username", "name_en", "name_hi", "designation", "role", "mobile", "email", "language",
        "must_change_password", "password_changed_at", "date_joined")),
    "offices": ("directory.Office", (
        "id", "code", "name_en", "name_hi", "kind", "office_type", "address", "district_id", "department_id",
        "treasury_id", "ddo_code", "headcount", "created_at")),
    "applications": ("ddo.Application", (
        "id", "number", "kind", "status", "officer_name_en", "officer_name_hi", "designation", "department_id",
        "district_id", "treasury_id", "ddo_code", "mobile", "mobile_kind", "email", "controlling_officer_name",
        "controlling_officer_designation", "language", "submit_token", "created_at", "updated_at", "submitted_at",
        "decided_at", "returned_at", "reason", "scan_uploaded_at", "scan_source", "officer_id")),
    "application_offices": ("ddo.ApplicationOffice", (
        "application_id", "name_en", "name_hi", "address", "district_id", "department_id", "office_type", "headcount",
        "office_id")),
    "grants": ("accounts.Grant", (
        "user_id", "office_id", "district_id", "division_id", "department_id", "granted_at", "granted_by_id", "note")),
    "batches": ("cards.PrintBatch", (
        "id", "number", "status", "filters", "total", "done", "created_by_id", "created_at", "started_at",
        "finished_at")),
    "aadhaar": ("vault.AadhaarRecord", ("id", "sealed", "key_id", "blind_index", "last4", "created_at")),
    "photos": ("enrolment.Photo", ("id", "file", "width", "height", "size", "created_at")),
    "families": ("enrolment.Family", (
        "id", "number", "kind", "status", "office_id", "language", "mobile", "email", "address", "employee_id",
        "designation", "pay_level_id", "date_of_joining", "ppo_number", "retirement_date", "ward", "created_by_id",
        "consent", "submit_token", "created_at", "updated_at", "submitted_at", "returned_at", "decided_at", "reason",
        "form_received_on", "verified_by_id", "user_id")),
    "members": ("enrolment.Member", (
        "id", "family_id", "relation", "name_en", "name_hi", "guardian_name", "date_of_birth", "gender",
        "marital_status", "disabled", "dependent", "monthly_income", "aadhaar_id", "aadhaar_last4", "photo_id",
        "holds_primary", "created_at")),
    "dispatches": ("cards.Dispatch", (
        "id", "office_id", "batch_id", "reference", "dispatched_on", "dispatched_by_id", "created_at", "received_on",
        "received_by_id", "received_at")),
    "cards": ("cards.Card", (
        "id", "number", "member_id", "family_id", "office_id", "stage", "state", "name_en", "name_hi", "relation",
        "date_of_birth", "gender", "ward", "kind", "aadhaar_last4", "issued_at", "batch_id", "printed_at",
        "dispatch_id", "dispatched_at", "received_at", "handed_over_at", "handed_over_by_id", "handover_acknowledged",
        "first_self_printed_at", "state_changed_at", "reason", "replaces_id", "photo_id", "qr_payload", "key_id", "qr_modules")),
    "cardprints": ("cards.CardPrint", ("card_id", "kind", "at", "by_id", "batch_id", "ip")),
    "events": ("audit.Event", (
        "at", "actor_id", "actor_role", "actor_label", "ip", "action", "target_type", "target_id", "target_label",
        "details")),
}
WORLD_ORDER = ("users", "offices", "applications", "application_offices", "grants", "batches")
CHUNK_ORDER = ("users", "aadhaar", "photos", "families", "members", "dispatches", "cards", "cardprints", "events")
# Tables whose primary keys the generator chooses (the others get theirs from the database).
KEYED = ("users", "offices", "applications", "batches", "dispatches", "aadhaar", "photos", "families", "members",
         "cards")


@functools.cache
def tables() -> dict[str, Table]:
    from django.apps import apps

    return {key: Table(apps.get_model(label), columns) for key, (label, columns) in COLUMNS.items()}
