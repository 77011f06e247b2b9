"""The card list's search: what a term matches, and a page of its matches with a capped count.

A term with a digit is a card or application number; any other term is a name, looked for in
the field of its script. Across the state a common name matches lakhs of cards, so the count
stops at SEARCH_COUNT_CAP; a name known to match more than that across the state is not
counted again, and is walked or sorted by how common it is (`searched_page`).
"""

import hashlib

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Q

from portal.enrolment.models import Family
from portal.namesearch import contains_unindexed

# A search counts its matches only up to this many: across the state a common surname
# matches lakhs of cards (शर्मा 1,44,259 of 60 lakh), and counting them all cost seconds.
# Past it the page says "more than 1,000" and shows the newest 1,000 (20 pages).
SEARCH_COUNT_CAP = 1000

# How long a name found to match more than the cap across the state is remembered. Cards are
# never deleted and a card's name never changes (a corrected name is printed on a new card,
# the old one stays), so across the state such a name always will match more than the cap:
# the time only bounds the cache's size. Redis shares it between the web processes.
COMMON_KEEP_SECONDS = 7 * 24 * 3600
# Across the state, a name past the cap with at most this many matches is found faster by
# sorting its matches from the trigram index than by walking the cards newest first: the walk
# reads about (cards / matches) x 50 entries for a page (HAJRA, 1,336 of 60 lakh: 192 ms
# against 8 ms sorted), the sort reads every match (PRIYANKA, 19,810: 154 against 17 ms).
# They cost about the same at 5,000 (docs/cards.md).
WALK_PAST = 5000
SORT, WALK = "sort", "walk"  # what is remembered of a name past the cap

_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def _is_number(query: str) -> bool:
    return any(ch.isdigit() for ch in query.translate(_DEVANAGARI_DIGITS))


def _name_field(query: str) -> str:
    return "name_hi" if any("\u0900" <= ch <= "\u097f" for ch in query) else "name_en"


def search_q(query: str, *, indexed: bool = True) -> Q:
    """A term with a digit is a card or application number (both stored in capitals): matched
    exactly on their unique indexes, the family's number looked up first so that the cards
    are found through their family index. One OR across the join to families made PostgreSQL
    join every card of the scope to its family before filtering (bench/suite.py: a state-wide
    search read all cards and all families). Any other term is a name, looked for only in the
    field of its script (the forms keep one script per field), on the cards alone."""
    if _is_number(query):
        upper = query.translate(_DEVANAGARI_DIGITS).upper()
        families = list(Family.objects.filter(number=upper).values_list("pk", flat=True)[:1])
        return Q(number=upper) | Q(family_id__in=families)
    field = _name_field(query)
    if not indexed:
        # The same match in a form the trigram index cannot serve (portal/namesearch.py), so
        # PostgreSQL walks the cards newest first and stops at the page's last match (see
        # searched_page). For English this was a sort of every match: 59,644 for AHMAD, 250 ms.
        return contains_unindexed(field, query)
    return Q(**{f"{field}__icontains": query})


def common_name_key(query: str) -> str | None:
    """The cache key under which a name's being common across the state is remembered; None
    for a number. Letter case does not matter to the search, so it does not to the key."""
    if _is_number(query):
        return None
    term = f"{_name_field(query)}\0{query.upper()}"
    return "cards:common-name:" + hashlib.sha256(term.encode()).hexdigest()[:32]


def searched_page(cards, page_number, per_page: int, *, by_date, common_key: str | None = None) -> Page:
    """A page of search results, newest first, with their count capped at SEARCH_COUNT_CAP
    (`page.capped` is True when there are more). The count reads at most CAP + 1 matches, in
    whatever order is cheapest. For a rare term the page's keys are the few matches the
    trigram index finds, sorted. For a common one (more than CAP), the keys come from
    `by_date()` if given, the same search in a form no index serves, so that PostgreSQL walks the
    cards by date and stops at the page's last match: its estimate for a common name is far
    too low (545 rows for शर्मा, which matches 1,44,259; 545 for AHMAD, 59,644), and sorting
    every match cost 0.25-0.3 s at state scale.

    `common_key` is given for a search of every card of the state and nothing else (no stage or
    state filter, which cards leave again). There the count goes on to WALK_PAST, the walk is
    taken only past it, and a name once found past the cap is not counted again: its count
    (the trigram index's whole bitmap of matches, 10-60 ms of PostgreSQL CPU for a common
    name) was most of the search's cost at state scale."""
    known = cache.get(common_key) if common_key else None
    if known in (SORT, WALK):
        capped, walk, found = True, known == WALK, SEARCH_COUNT_CAP
    else:
        limit = max(SEARCH_COUNT_CAP, WALK_PAST) if common_key else SEARCH_COUNT_CAP
        found = cards.order_by().values_list("id", flat=True)[:limit + 1].count()
        capped = found > SEARCH_COUNT_CAP
        walk = capped and (found > WALK_PAST if common_key else True)
        if capped and common_key:
            cache.set(common_key, WALK if walk else SORT, COMMON_KEEP_SECONDS)
    paginator = Paginator((by_date() if walk and by_date else cards).values_list("id", flat=True), per_page)
    paginator.count = min(found, SEARCH_COUNT_CAP)  # primes the cached_property
    page = paginator.get_page(page_number)
    page.capped = capped
    return page


def newest_page(cards, page_number, per_page: int) -> Page:
    """A page of search results inside an office, a district, a division or a department: the
    keys of the newest SEARCH_COUNT_CAP + 1 matches in one query, which give the count, whether
    it is capped and every page there is (20 at most). A separate count walked the scope's cards
    a second time: a treasury has 60,000 cards, and a name with few matches among them was
    read through twice (the count 30 ms, the page 12 ms in PostgreSQL at state scale)."""
    ids = list(cards.values_list("id", flat=True)[:SEARCH_COUNT_CAP + 1])
    page = Paginator(ids[:SEARCH_COUNT_CAP], per_page).get_page(page_number)
    page.capped = len(ids) > SEARCH_COUNT_CAP
    return page
