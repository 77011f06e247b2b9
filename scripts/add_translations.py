#!/usr/bin/env python3
"""Merge Hindi translations from a small .po file into the portal's catalogue.

    .venv/bin/python scripts/add_translations.py new-strings.po

For each entry of the fragment: fill the catalogue's entry with the same msgid (and
msgctxt), or add it if `make messages` has not picked it up yet. Entries already
translated in the catalogue are replaced only with --overwrite. Holds var/po.lock while
it works, as `make messages` does, so two people (or scripts) editing at once never
lose each other's work.
"""

import argparse
import fcntl
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "portal" / "locale" / "hi" / "LC_MESSAGES" / "django.po"
LOCK = ROOT / "var" / "po.lock"


def merge(fragment: polib.POFile, catalogue: polib.POFile, *, overwrite: bool) -> tuple[int, int, int]:
    added = filled = kept = 0
    for entry in fragment:
        if not (entry.msgstr or any(entry.msgstr_plural.values())):
            continue
        existing = catalogue.find(entry.msgid, msgctxt=entry.msgctxt) if entry.msgctxt else catalogue.find(entry.msgid)
        if existing is None:
            catalogue.append(polib.POEntry(msgid=entry.msgid, msgctxt=entry.msgctxt, msgid_plural=entry.msgid_plural,
                                           msgstr=entry.msgstr, msgstr_plural=dict(entry.msgstr_plural)))
            added += 1
        elif existing.translated() and not overwrite and "fuzzy" not in existing.flags:
            kept += 1
        else:
            existing.msgstr = entry.msgstr
            existing.msgstr_plural = dict(entry.msgstr_plural)
            if "fuzzy" in existing.flags:
                existing.flags.remove("fuzzy")
            filled += 1
    return added, filled, kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fragment", type=Path)
    parser.add_argument("--overwrite", action="store_true", help="replace translations already in the catalogue")
    args = parser.parse_args()
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        catalogue = polib.pofile(str(CATALOGUE), wrapwidth=79)
        added, filled, kept = merge(polib.pofile(str(args.fragment)), catalogue, overwrite=args.overwrite)
        catalogue.save(str(CATALOGUE))
    print(f"{CATALOGUE.relative_to(ROOT)}: {added} added, {filled} filled, {kept} already translated (kept)")
    # makemessages marks near-matches "fuzzy" with another string's Hindi: never right as is.
    todo = [e for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for entry in todo:
        print(f"  still to translate{' (fuzzy guess)' if 'fuzzy' in entry.flags else ''}: {entry.msgid!r}")
    return 1 if todo else 0


if __name__ == "__main__":
    sys.exit(main())
