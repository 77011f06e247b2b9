"""Every SMS and email the portal sends, with its DLT template ids.

Indian operators deliver only SMS whose text matches a template registered on the DLT
platform, one registration per language. The ids below are the portal's reference
numbering; the agency replaces them with its registered ids through the environment
variable SMS_DLT_TEMPLATE_IDS (JSON: {"code": {"hi": "...", "en": "..."}}), see docs/messages.md.
Texts are gettext strings so the Hindi registration text lives in the .po file.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Template:
    code: str
    text: Promise
    dlt: dict[str, str]
    secrets: tuple[str, ...] = ()
    subject: Promise | None = None
    # Messages that are useless after a while (OTPs) are not sent late.
    valid_minutes: int | None = None


# Operators require the sender's brand at the end of every SMS.
SIGNATURE = " -SACHIS UP"

TEMPLATES = {
    t.code: t
    for t in [
        Template(
            "otp",
            _("{otp} is your OTP to {purpose} on the State Employees Cashless Treatment portal. "
              "Valid for 10 minutes. Do not share it with anyone."),
            {"hi": "1107170000000000101", "en": "1107170000000000102"},
            secrets=("otp",),
            subject=_("Your OTP"),
            valid_minutes=10,
        ),
        Template(
            "ddo_submitted",
            _("Your DDO/TO registration application {number} is received. Print the form, get it verified "
              "by your controlling officer and upload the scan on the portal."),
            {"hi": "1107170000000000111", "en": "1107170000000000112"},
            subject=_("DDO/TO registration application received"),
        ),
        Template(
            "ddo_returned",
            _("Your DDO/TO registration application {number} is returned for correction: {reason}. "
              "Correct it on the portal and resubmit."),
            {"hi": "1107170000000000121", "en": "1107170000000000122"},
            subject=_("DDO/TO registration returned for correction"),
        ),
        Template(
            "ddo_rejected",
            _("Your DDO/TO registration application {number} is rejected: {reason}."),
            {"hi": "1107170000000000131", "en": "1107170000000000132"},
            subject=_("DDO/TO registration rejected"),
        ),
        Template(
            "credentials",
            _("Your login for the State Employees Cashless Treatment portal: User ID {user_id} "
              "Password {password} . Change the password at first login: {url}"),
            {"hi": "1107170000000000141", "en": "1107170000000000142"},
            secrets=("password",),
        ),
        Template(
            "ddo_approved",
            _("Your DDO/TO registration {number} is approved. Your user ID and password are sent "
              "to your registered mobile by SMS."),
            {"hi": "1107170000000000151", "en": "1107170000000000152"},
            subject=_("DDO/TO registration approved"),
        ),
        Template(
            "mobile_changed",
            _("The mobile number of portal user {user_id} was changed to one ending {last4}. "
              "If you did not ask for this, call {helpline}."),
            {"hi": "1107170000000000161", "en": "1107170000000000162"},
            subject=_("Your mobile number was changed"),
        ),
        Template(
            "email_changed",
            _("The email address of portal user {user_id} was changed. If you did not ask for this, "
              "call {helpline}."),
            {"hi": "1107170000000000171", "en": "1107170000000000172"},
            subject=_("Your email address was changed"),
        ),
        Template(
            "charge_handed_over",
            _("Charge of office {office} has been handed over to {officer} with effect from {date}."),
            {"hi": "1107170000000000181", "en": "1107170000000000182"},
            subject=_("Charge handed over"),
        ),
        Template(
            "family_submitted",
            _("Your registration {number} for the cashless treatment scheme is submitted to {office}. "
              "Print the form, sign it and give it to your DDO/TO."),
            {"hi": "1107170000000000201", "en": "1107170000000000202"},
        ),
        Template(
            "family_returned",
            _("Your registration {number} is returned for correction: {reason}. Correct it on the portal and resubmit."),
            {"hi": "1107170000000000211", "en": "1107170000000000212"},
        ),
        Template(
            "family_rejected",
            _("Your registration {number} is rejected: {reason}."),
            {"hi": "1107170000000000221", "en": "1107170000000000222"},
        ),
        Template(
            "family_verified",
            _("Your registration {number} is verified. Your user ID is {user_id}. Log in with an OTP at {url} "
              "to see your family and print the State Health Cards."),
            {"hi": "1107170000000000231", "en": "1107170000000000232"},
        ),
        Template(
            "family_change_decided",
            _("Your request to change registration {number} is {decision}. {reason}"),
            {"hi": "1107170000000000241", "en": "1107170000000000242"},
        ),
        Template(
            "family_moved",
            _("Your registration {number} now belongs to {office}."),
            {"hi": "1107170000000000251", "en": "1107170000000000252"},
        ),
        Template(
            "account_locked",
            _("Your portal account {user_id} is locked for {minutes} minutes after repeated wrong passwords. "
              "If this was not you, call {helpline}."),
            {"hi": "1107170000000000191", "en": "1107170000000000192"},
        ),
        # --- State Health Cards (portal.cards): DLT reference ids 11071700000000003xx ---------------
        Template(
            "card_received",
            _("{count} State Health Card(s) of your family (registration {number}) have reached {office}. "
              "Collect them from the office; take your Aadhaar card along."),
            {"hi": "1107170000000000301", "en": "1107170000000000302"},
        ),
        # --- Monitoring and reminders (portal.reports): DLT reference ids 11071700000000004xx -------
        Template(
            "reminder_pending",
            _("{count} registrations at {office} have been waiting for your verification for more than {days} "
              "days (the oldest since {oldest}). Please verify, return or reject them on the portal: {url}"),
            {"hi": "1107170000000000401", "en": "1107170000000000402"},
            subject=_("Registrations waiting for your verification"),
        ),
        Template(
            "reminder_digest",
            _("Weekly registration review, {district}: {offices} offices have {pending} registrations waiting "
              "more than {days} days. Most waiting: {top}. Details: {url}"),
            {"hi": "1107170000000000411", "en": "1107170000000000412"},
        ),
        Template(
            "reminder_digest_email",
            _("Weekly registration review for {district}, week of {week}.\n\n"
              "Offices with registrations waiting for verification for more than {days} days:\n{lines}\n\n"
              "Offices with the lowest coverage of their target:\n{coverage}\n\n"
              "The district's figures and the fortnightly report: {url}"),
            {"hi": "1107170000000000421", "en": "1107170000000000422"},
            subject=_("Weekly registration review: offices that lag"),
        ),
    ]
}


def dlt_template_id(template: Template, language: str) -> str:
    overrides = json.loads(settings.SMS_DLT_TEMPLATE_IDS or "{}")
    return overrides.get(template.code, {}).get(language) or template.dlt.get(language, "")
