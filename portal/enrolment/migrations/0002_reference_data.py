"""Pay levels with ward entitlement, and the default eligibility rules (sources in
portal/enrolment/data/README.md). Editable afterwards; re-running changes nothing."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "pay_levels.csv"

RULES = [
    # code, relation, English name, Hindi name, max_age, disability lifts age, allowed marital,
    # requires dependency, monthly income limit, max per family, enabled
    ("R-SPOUSE", "spouse", "Husband or wife", "पति या पत्नी", None, False, "married", False, None, 1, True),
    ("R-SON", "son", "Son up to 25 years and not earning; any age if disabled",
     "पुत्र: 25 वर्ष तक तथा स्वयं अर्जित आय नहीं; दिव्यांग होने पर किसी भी आयु तक", 25, True, "", True, 9000, None, True),
    ("R-DAUGHTER", "daughter", "Daughter not married (or divorced, widowed, separated) and not earning",
     "पुत्री: अविवाहित (या तलाकशुदा, विधवा, पृथक) तथा स्वयं अर्जित आय नहीं", None, False,
     "unmarried,divorced,widowed,separated", True, 9000, None, True),
    ("R-FATHER", "father", "Father wholly dependent, income under the limit",
     "पिता: पूर्णतः आश्रित, आय सीमा से कम", None, False, "", True, 9000, 1, True),
    ("R-MOTHER", "mother", "Mother wholly dependent, income under the limit",
     "माता: पूर्णतः आश्रित, आय सीमा से कम", None, False, "", True, 9000, 1, True),
    ("R-FIL", "father_in_law", "Father-in-law (only where the state's order allows it)",
     "श्वसुर (केवल जहाँ शासनादेश अनुमति दे)", None, False, "", True, 9000, 1, False),
    ("R-MIL", "mother_in_law", "Mother-in-law (only where the state's order allows it)",
     "सास (केवल जहाँ शासनादेश अनुमति दे)", None, False, "", True, 9000, 1, False),
    ("R-BROTHER", "brother", "Brother under 18 and wholly dependent",
     "भाई: 18 वर्ष से कम तथा पूर्णतः आश्रित", 17, False, "unmarried", True, 9000, None, True),
    ("R-SISTER", "sister", "Sister not married (or divorced, widowed, separated) and wholly dependent",
     "बहन: अविवाहित (या तलाकशुदा, विधवा, पृथक) तथा पूर्णतः आश्रित", None, False, "unmarried,divorced,widowed,separated",
     True, 9000, None, True),
]


def load(apps, schema_editor):
    PayLevel = apps.get_model("enrolment", "PayLevel")
    with open(DATA, encoding="utf-8", newline="") as fh:
        for order, row in enumerate(csv.DictReader(fh), start=1):
            PayLevel.objects.get_or_create(code=row["level"], defaults={
                "order": order, "entry_pay": int(row["entry_pay"]) if row["entry_pay"] else None, "ward": row["ward"],
            })
    Rule = apps.get_model("enrolment", "EligibilityRule")
    for code, relation, en, hi, age, lifts, marital, dependent, income, most, enabled in RULES:
        Rule.objects.get_or_create(relation=relation, defaults={
            "code": code, "name_en": en, "name_hi": hi, "max_age": age, "disability_lifts_age_limit": lifts,
            "allowed_marital": marital, "requires_dependency": dependent, "monthly_income_limit": income,
            "max_per_family": most, "enabled": enabled,
        })


class Migration(migrations.Migration):
    dependencies = [("enrolment", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
