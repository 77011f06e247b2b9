"""People: names in English and Devanagari, ages, and who belongs in a family.

Families follow the portal's eligibility rules (portal/enrolment/migrations/0002): a spouse
is married; sons are up to 25 unless disabled; daughters and sisters are unmarried (or
widowed/divorced); brothers are under 18; parents are dependent with an income under the
limit. Parents-in-law are not generated (their rules are disabled by default).
"""

import bisect
import datetime
import itertools
import random
from dataclasses import dataclass

from .reference import COMMUNITIES, COMMUNITY_WEIGHTS, Name, Reference

_COMMUNITY_CUM = list(itertools.accumulate(COMMUNITY_WEIGHTS))
WOMEN_SURNAMES = {"Devi", "Kumari", "Bano", "Khatoon", "Begum"}


def community_of(rng: random.Random) -> str:
    return COMMUNITIES[bisect.bisect(_COMMUNITY_CUM, rng.random() * _COMMUNITY_CUM[-1])]


class Picker:
    """Weighted choice from a fixed list in O(log n), without rebuilding weights each call."""

    def __init__(self, items, weights):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.items[bisect.bisect(self.cum, rng.random() * self.total)]


@dataclass
class Person:
    relation: str
    gender: str
    first: Name
    surname: Name
    born: datetime.date
    marital: str = ""
    disabled: bool = False
    dependent: bool = False
    income: int = 0
    guardian: str = ""

    @property
    def name_en(self) -> str:
        return f"{self.first.en} {self.surname.en}"

    @property
    def name_hi(self) -> str:
        return f"{self.first.hi} {self.surname.hi}"


class Namer:
    def __init__(self, ref: Reference):
        self.given = {key: Picker(names, [n.weight for n in names]) for key, names in ref.given.items()}
        self.surnames = {}
        self.family_surnames = {}
        for key, names in ref.surnames.items():
            self.surnames[key] = Picker(names, [n.weight for n in names])
            plain = [n for n in names if n.en not in WOMEN_SURNAMES]
            self.family_surnames[key] = Picker(plain, [n.weight for n in plain])
        self.devi = {c: [n for n in ref.surnames[(c, "female")] if n.en in WOMEN_SURNAMES] for c in COMMUNITIES}

    def first(self, rng, community: str, gender: str, born_year: int) -> Name:
        era = "old" if born_year < 1970 else "young" if born_year > 1995 else "mid"
        gender = "female" if gender == "female" else "male"
        return self.given[(community, gender, era)](rng)

    def family_surname(self, rng, community: str) -> Name:
        return self.family_surnames[(community, "male")](rng)

    def woman_surname(self, rng, community: str, family: Name, born_year: int, married: bool) -> Name:
        """Women often use the family name; many (more of the older ones) write Devi/Kumari
        (Hindu), Bano/Khatoon/Begum (Muslim), Kaur (Sikh)."""
        if community == "sikh":
            return next(n for n in self.devi_or_kaur(community))
        options = self.devi[community]
        chance = 0.45 if born_year < 1970 else 0.25 if born_year < 1990 else 0.1
        if options and rng.random() < chance:
            wanted = [n for n in options if (n.en == "Kumari") == (not married)] or options
            return _pick(rng, wanted)
        return family

    def devi_or_kaur(self, community):
        return [n for n in self.surnames[(community, "female")].items if n.en == "Kaur"] or \
            self.surnames[(community, "female")].items


def birth_date(rng: random.Random, today: datetime.date, age_low: float, age_high: float) -> datetime.date:
    age_days = rng.uniform(age_low * 365.25, age_high * 365.25)
    return today - datetime.timedelta(days=int(age_days))


def age_on(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# Dependents per family (0-5 for employees, 0-3 for pensioners). With the slots a family
# cannot fill (an unmarried 24-year-old has no children), the mean is about 3.4 people per
# family over 17 lakh employees and 5 lakh pensioners (75 lakh people in 22 lakh families).
EMPLOYEE_DEPENDENTS = Picker(range(6), [4, 9, 20, 30, 24, 13])
PENSIONER_DEPENDENTS = Picker(range(4), [24, 56, 13, 7])


def employee_age(rng: random.Random) -> float:
    # More in the middle of a career than at either end.
    return min(60.0, max(21.0, rng.triangular(21.0, 60.0, 42.0)))


def pensioner_age(rng: random.Random) -> float:
    # Retired (end of the month of the 60th birthday) before registering.
    return min(90.0, 60.1 + rng.expovariate(1 / 9.0))


def family_shape(rng: random.Random, *, pensioner: bool) -> tuple[float, str, bool, int, int, int]:
    """Who is in a family, decided before any name: (age of the primary beneficiary,
    gender, spouse?, children, parents (0 none, 1 widowed mother, 2 father, 3 both),
    brothers/sisters). Cheap, so the planner can count every table's rows in advance."""
    dependents = PENSIONER_DEPENDENTS(rng) if pensioner else EMPLOYEE_DEPENDENTS(rng)
    age = pensioner_age(rng) if pensioner else employee_age(rng)
    roll = rng.random()
    gender = "transgender" if roll < 0.0005 else "female" if roll < (0.18 if pensioner else 0.28) else "male"
    married = gender != "transgender" and rng.random() < (0.3 if age < 25 else 0.65 if age < 30 else 0.92)
    spouse = married and dependents > 0
    left = dependents - spouse
    possible = 0 if not married else max(0, min(4, int((age - 20) / 3) + 1))
    if pensioner:
        possible = min(possible, 1)
    children = min(left, possible)
    left -= children
    parents = 0
    if left and not pensioner and age < 48:
        if rng.random() < 0.35:
            parents, left = 1, left - 1
        elif left >= 2:
            parents, left = 3, left - 2
        else:
            parents, left = 2, left - 1
    siblings = min(left, 2) if left and not pensioner and not married and age < 32 else 0
    return age, gender, spouse, children, parents, siblings


def shape_size(shape) -> int:
    _age, _gender, spouse, children, parents, siblings = shape
    return 1 + spouse + children + (2 if parents == 3 else 1 if parents else 0) + siblings


def family_members(rng: random.Random, namer: Namer, *, today: datetime.date, pensioner: bool, shape,
                   community: str) -> list[Person]:
    """The people of a family with this shape: names, dates of birth, marital status,
    dependency and income, each consistent with the eligibility rules."""
    age, gender, married, children, parents, siblings = shape  # married: the spouse is in the family
    born = birth_date(rng, today, age, age)
    surname = namer.family_surname(rng, community)
    father_first = namer.first(rng, community, "male", born.year - 28)
    own_surname = surname if gender != "female" else namer.woman_surname(rng, community, surname, born.year, married)
    primary = Person("self", gender, namer.first(rng, community, gender, born.year), own_surname, born,
                     guardian=f"{father_first.en} {surname.en}")
    people = [primary]
    spouse = None
    if married:
        spouse_gender = "female" if gender == "male" else "male"
        gap = rng.uniform(0, 7)
        spouse_age = max(19.0, min(95.0, age - gap if spouse_gender == "female" else age + gap))
        spouse_born = birth_date(rng, today, spouse_age, spouse_age)
        spouse_surname = surname if spouse_gender == "male" else namer.woman_surname(
            rng, community, surname, spouse_born.year, True)
        earning = rng.random() < 0.1
        spouse = Person("spouse", spouse_gender, namer.first(rng, community, spouse_gender, spouse_born.year),
                        spouse_surname, spouse_born, marital="married", dependent=not earning,
                        income=500 * _between(rng, 30, 120) if earning else 0,
                        guardian=primary.name_en if spouse_gender == "female" else
                        f"{namer.first(rng, community, 'male', spouse_born.year - 28).en} {spouse_surname.en}")
    father_of_children = primary if gender != "female" else spouse
    for _ in range(children):
        child_gender = "male" if rng.random() < 0.52 else "female"
        if pensioner:
            # A pensioner's dependent child: a disabled son, or an unmarried/widowed daughter.
            child_age = rng.uniform(25, max(25.5, min(55, age - 22)))
        else:
            child_age = rng.uniform(0, max(0.5, min(25.9, age - 21)))
        child_born = birth_date(rng, today, child_age, child_age)
        years = age_on(child_born, today)
        disabled = rng.random() < 0.01 or (child_gender == "male" and years > 25)
        marital = "unmarried" if not pensioner or child_gender == "male" else _pick(rng, ("unmarried", "unmarried", "widowed", "divorced"))
        child_surname = surname if child_gender == "male" else namer.woman_surname(
            rng, community, surname, child_born.year, False)
        people.append(Person("son" if child_gender == "male" else "daughter", child_gender,
                             namer.first(rng, community, child_gender, child_born.year), child_surname, child_born,
                             marital=marital, disabled=disabled, dependent=True,
                             guardian=(father_of_children or primary).name_en))
    if parents:
        father = Person("father", "male", father_first, surname, birth_date(rng, today, age + 22, age + 35),
                        marital="married", dependent=True,
                        income=(500 * _between(rng, 4, 18) if rng.random() < 0.25 else 0))
        father.guardian = f"{namer.first(rng, community, 'male', father.born.year - 28).en} {surname.en}"
        mother_born = birth_date(rng, today, age + 19, age + 30)
        mother = Person("mother", "female", namer.first(rng, community, "female", mother_born.year),
                        namer.woman_surname(rng, community, surname, mother_born.year, True), mother_born,
                        marital="widowed" if parents == 1 else "married", dependent=True, guardian=father.name_en)
        if parents in (2, 3):
            people.append(father)
        if parents in (1, 3):
            people.append(mother)
    for _ in range(siblings):
        sibling_gender = "male" if rng.random() < 0.5 else "female"
        sibling_age = rng.uniform(8, 17.5) if sibling_gender == "male" else rng.uniform(8, max(8.5, min(28, age - 2)))
        sibling_born = birth_date(rng, today, sibling_age, sibling_age)
        people.append(Person("brother" if sibling_gender == "male" else "sister", sibling_gender,
                             namer.first(rng, community, sibling_gender, sibling_born.year),
                             surname if sibling_gender == "male" else namer.woman_surname(
                                 rng, community, surname, sibling_born.year, False),
                             sibling_born, marital="unmarried", dependent=True, guardian=primary.guardian))
    if spouse is not None:
        people.insert(1, spouse)
    return people


def _between(rng: random.Random, low: int, high: int) -> int:
    """An int in [low, high): as randrange, without its argument checks (called millions of times)."""
    return low + int(rng.random() * (high - low))


def _pick(rng: random.Random, items):
    return items[int(rng.random() * len(items))]
