"""Name searches written so that PostgreSQL either uses the trigram index or cannot.

Names are searched case-insensitively as `UPPER(column) LIKE UPPER('%term%')` (`__icontains`),
which the trigram indexes on `UPPER(name_en)` / `UPPER(name_hi)` serve. That is right when
the search looks through the whole state or a district. Inside one office it is not: the
planner's estimate for a common name is far too low (201 rows for तिवारी, which is the
primary name of 47,791 families), so it fetches every match in the state through the index
(240 ms) instead of testing the office's few hundred families one by one (5 ms).
`contains_unindexed` is the same test in a form no index serves, so the planner cannot
take that path.
"""

from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Contains


def contains_unindexed(field: str, term: str):
    """`field` contains `term`, ignoring letter case, in a form no trigram index serves: the
    column itself for a term without letter case (Devanagari), else LOWER(column)."""
    if term.upper() == term.lower():
        return Q(**{f"{field}__contains": term})
    return Contains(Lower(field), term.lower())
