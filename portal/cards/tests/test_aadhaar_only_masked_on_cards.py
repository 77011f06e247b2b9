"""Aadhaar on cards: only the last four digits, shown XXXX XXXX 1234, in every card output —
pages, PDFs (text and bytes), QR payloads, the print batch's files and manifests, audit."""

import json
import shutil
import subprocess
import uuid

import pytest
from django.core.files.storage import default_storage
from openpyxl import load_workbook

from portal.audit.models import Event
from portal.audit.services import Actor
from portal.cards import batches
from portal.cards.models import Card, PrintBatch
from portal.enrolment.tests.conftest import aadhaar

pytestmark = pytest.mark.django_db


def full_numbers(n: int) -> list[str]:
    """The numbers `make_family(n)` registered (conftest.make_family)."""
    return [aadhaar(1000 + n * 10 + index) for index in range(3)]


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        return ""
    path = tmp_path / f"{uuid.uuid4()}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_no_card_output_holds_a_full_aadhaar_number(make_family, login, users, tmp_path):
    family = make_family(5)
    numbers = full_numbers(5)
    assert sorted(n[-4:] for n in numbers) == sorted(family.members.values_list("aadhaar_last4", flat=True))
    outputs: dict[str, str | bytes] = {}
    beneficiary = login(family.user)
    outputs["card page"] = beneficiary.get("/my/cards/").content
    cards = list(Card.objects.filter(family=family))
    sheet = beneficiary.post("/my/cards/print/", {"layout": "a4"}).content
    outputs["A4 sheet"], outputs["A4 sheet text"] = sheet, pdf_text(sheet, tmp_path)
    small = beneficiary.post("/my/cards/print/", {"layout": "card"}).content
    outputs["card size"], outputs["card size text"] = small, pdf_text(small, tmp_path)
    outputs["QR payloads"] = "\n".join(c.qr_payload for c in cards)

    state = Actor(user=users["state"], role="state")
    batch = batches.create_batch(actor=state, filters={}, limit=10, token=uuid.uuid4())
    batches.produce_batch(batch.pk)
    batch = PrintBatch.objects.get(pk=batch.pk)
    for part in batch.parts.all():
        with default_storage.open(part.file.name, "rb") as fh:
            data = fh.read()
        outputs[f"part {part.number}"], outputs[f"part {part.number} text"] = data, pdf_text(data, tmp_path)
    outputs["manifest.csv"] = batch.manifest_csv.open("rb").read()
    rows = load_workbook(batch.manifest_xlsx.open("rb"), read_only=True).active.iter_rows(values_only=True)
    outputs["manifest.xlsx"] = json.dumps([list(r) for r in rows], default=str)
    assert cards[0].aadhaar_masked in outputs["manifest.csv"].decode("utf-8-sig")

    hospital = login(users["hospital"])
    outputs["verify page (hospital)"] = hospital.get("/cards/verify/", {"q": cards[0].qr_payload}).content
    officer = login(users["state"])
    outputs["card page (officer)"] = officer.get(f"/cards/{cards[0].number}/").content
    outputs["batch page"] = officer.get(f"/state/cards/batches/{batch.number}/").content
    outputs["audit"] = json.dumps(list(Event.objects.filter(action__startswith="cards.").values_list("details",
                                                                                                       flat=True)))
    for name, value in outputs.items():
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        for number in numbers:
            assert number not in text, f"full Aadhaar in {name}"
            assert f"{number[:4]} {number[4:8]} {number[8:]}" not in text, f"spaced Aadhaar in {name}"
    for name in ("card page", "A4 sheet text", "card size text", "verify page (hospital)", "card page (officer)"):
        text = outputs[name] if isinstance(outputs[name], str) else outputs[name].decode()
        if text:
            assert f"XXXX XXXX {numbers[0][-4:]}" in text, name
