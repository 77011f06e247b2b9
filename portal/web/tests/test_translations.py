"""Hindi everywhere: the catalogue is complete, and it covers every string in the code."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "portal" / "locale" / "hi" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%\(\w+\)\.\d+f|\{\w+\}|\{\{ ?\w+ ?\}\}")


def test_every_message_has_a_hindi_translation():
    catalogue = polib.pofile(str(PO))
    assert catalogue.metadata["Language"] == "hi"
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


def test_translations_keep_every_placeholder():
    for entry in polib.pofile(str(PO)):
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)) or (
                # Hindi may use the plural count only through %(n)d in both forms.
                entry.msgid_plural and set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(source))
            ), entry.msgid


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext is installed by `make test`")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Run makemessages on a copy of the code and compare: a new string without a Hindi
    translation fails here (fix: `make messages`, then translate)."""
    shutil.copy(ROOT / "manage.py", tmp_path)
    shutil.copytree(ROOT / "portal", tmp_path / "portal",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests", "data"))
    env = {"PATH": "/usr/bin:/bin", "PORTAL_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "hi", "--no-obsolete"],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    fresh = {e.msgid for e in polib.pofile(str(tmp_path / "portal/locale/hi/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    assert sorted(fresh - committed) == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext is installed by `make test`")
def test_catalogue_passes_gnu_msgfmt_checks():
    result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_code_marks_strings_only_with_names_makemessages_finds():
    """makemessages extracts _(), gettext(), gettext_lazy() and friends; an alias such as
    `_lazy` would hide a string from the Hindi catalogue without any error."""
    extractable = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext",
                   "pgettext_lazy", "npgettext", "npgettext_lazy"}
    hidden = []
    for path in (ROOT / "portal").rglob("*.py"):
        for match in re.finditer(r"from django\.utils\.translation import ([^\n]+)", path.read_text()):
            for part in match.group(1).split(","):
                bits = part.strip().strip("()").split(" as ")
                if len(bits) == 2 and bits[0].strip() in extractable and bits[1].strip() not in extractable:
                    hidden.append(f"{path.relative_to(ROOT)}: {part.strip()}")
    assert hidden == []
