"""Cards rendered from Hindi names: rasterised with pdftoppm (and looked at), text read back
with pdftotext, the QR decoded with zbar and its signature checked with the public key only."""

import base64
import dataclasses
import io
import itertools
import re
import subprocess
import zlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fontTools.ttLib import TTFont
from PIL import Image

from portal.cards import qr
from portal.cards.faces import face_for
from portal.cards.models import Card
from portal.cards.pdf import render_batch_part, render_card, render_sheet
from portal.cards.services import issue_cards

from .conftest import needs_poppler, run, squeeze

pytestmark = pytest.mark.django_db
CR80_POINTS = (85.6 / 25.4 * 72, 54 / 25.4 * 72)


@pytest.fixture
def cards(family, system):
    issue_cards(family=family, actor=system)
    return list(Card.objects.filter(family=family).select_related("family", "office", "photo").order_by("member_id"))


@pytest.fixture
def card_pdf(cards, tmp_path):
    path = tmp_path / "card.pdf"
    path.write_bytes(render_card(face_for(cards[0])))
    return cards[0], path


def page_sizes(path) -> list[tuple[float, float]]:
    info = run("pdfinfo", "-f", "1", "-l", "99", str(path)).stdout
    return [tuple(float(v) for v in m) for m in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


@needs_poppler
def test_card_is_cr80_front_and_back_with_every_detail_in_both_languages(card_pdf):
    card, path = card_pdf
    sizes = page_sizes(path)
    assert len(sizes) == 2 and all(abs(w - CR80_POINTS[0]) < 0.5 and abs(h - CR80_POINTS[1]) < 0.5 for w, h in sizes)
    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    assert result.stderr == ""  # no "No font in show": Latin never went out in the Devanagari font
    text = squeeze(result.stdout)
    for expected in [
        "पं.दीनदयालउपाध्यायराज्यकर्मचारीकैशलेसचिकित्सायोजना",
        "PanditDeendayalUpadhyayStateEmployeesCashlessTreatmentScheme,UttarPradesh", card.name_hi, "KSHAMATRIPATHI", "17.05.1980",
        "महिला/Female", card.family.number, "UP" + card.number[2:4], card.number, "XXXXXXXX" + card.aadhaar_last4,
        card.office.name_en, card.office.name_hi, "1800-180-0000", "/cards/verify/", "StateHealthCard",
        "राज्यस्वास्थ्यकार्ड", "कर्मचारी/Employee", "Issuingoffice", "स्वयं/Self",
    ]:
        assert squeeze(expected) in text, expected


@needs_poppler
def test_card_rasterises_with_the_photo_and_its_qr_verifies_with_only_the_public_key(card_pdf, tmp_path, client):
    card, path = card_pdf
    run("pdftoppm", "-r", "300", "-png", str(path), str(tmp_path / "face"))
    front, back = sorted(tmp_path.glob("face-*.png"))
    with Image.open(front) as image:
        assert abs(image.size[0] - 1011) <= 1 and abs(image.size[1] - 638) <= 1  # 85.6 × 54 mm at 300 dpi
        # The photo (a drawn face: skin-coloured oval) sits in the left part of the card.
        photo = image.convert("RGB").crop((40, 170, 250, 440))
        colours = [colour for _, colour in photo.getcolors(maxcolors=1 << 20)]
        assert any(abs(r - 224) < 12 and abs(g - 172) < 12 and abs(b - 105) < 12 for r, g, b in colours)
    decoded = run("zbarimg", "--quiet", "--raw", str(back)).stdout.strip()
    assert decoded == card.qr_payload and card.qr_modules  # drawn from the modules encoded at issue
    # A card without them (printed, or made elsewhere) has its payload encoded when drawn: the same code.
    again = tmp_path / "again.pdf"
    again.write_bytes(render_card(dataclasses.replace(face_for(card), qr_modules="")))
    run("pdftoppm", "-r", "300", "-png", "-f", "2", "-l", "2", str(again), str(tmp_path / "again"))
    assert run("zbarimg", "--quiet", "--raw", str(next(tmp_path.glob("again*.png")))).stdout.strip() == decoded
    # What a hospital does offline: the published key, nothing else.
    keys = {k["id"]: base64.b64decode(k["public_key"]) for k in client.get("/cards/keys/").json()["keys"]}
    payload = qr.verify(decoded, keys)
    assert (payload.number, payload.name, payload.year_of_birth, payload.relation) == (
        card.number, "KSHAMA TRIPATHI", 1980, "self")
    signed, _, signature = decoded.rpartition("/")
    Ed25519PublicKey.from_public_bytes(keys[payload.key_id]).verify(
        base64.b32decode(signature + "=" * (-len(signature) % 8)), signed.encode())


def test_a_tampered_payload_fails_verification(cards):
    keys = __import__("portal.cards.keys", fromlist=["keyring"]).keyring().public_keys()
    payload = cards[0].qr_payload
    assert qr.verify(payload, keys).number == cards[0].number
    for tampered in [
        payload.replace("/SELF/", "/SPOUSE/"),
        payload.replace("/GENERAL/", "/PRIVATE/").replace("/SEMI-PRIVATE/", "/PRIVATE/"),
        payload.replace(cards[0].number, cards[1].number),
        payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB"),
    ]:
        with pytest.raises(qr.InvalidPayload) as refused:
            qr.verify(tampered, keys)
        assert refused.value.reason in {"signature", "format"}
    with pytest.raises(qr.InvalidPayload) as unknown:
        qr.verify(payload, {"K9": next(iter(keys.values()))})
    assert unknown.value.reason == "key"


def devanagari_glyphs(pdf: bytes) -> list[str]:
    names: list[str] = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            order = TTFont(io.BytesIO(zlib.decompress(match.group(1)))).getGlyphOrder()
        except Exception:
            continue
        if any(n.startswith("uni09") or "deva" in n.lower() for n in order):
            names.extend(order)
    return names


def test_hindi_names_are_shaped_into_conjuncts(cards):
    data = render_card(face_for(cards[0]))
    names = devanagari_glyphs(data)
    # श्री, क्ष, त्रि need conjunct or positional forms that have no code point of their own.
    assert names and any(not n.startswith("uni") and n not in {".notdef", "space", "NULL", "CR", "nonmarkingreturn"}
                         for n in names)


@needs_poppler
def test_a4_sheet_has_the_family_with_cut_marks_and_batch_part_one_face_per_page(cards, tmp_path):
    faces = [face_for(c) for c in cards]
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(render_sheet(faces))
    sizes = page_sizes(sheet)
    assert len(sizes) == 1 and abs(sizes[0][0] - 595.3) < 1 and abs(sizes[0][1] - 841.9) < 1
    text = squeeze(run("pdftotext", str(sheet), "-").stdout)
    assert all(c.number in text and squeeze(c.name_hi) in text for c in cards)
    assert "Cutalongthemarks" in text
    run("pdftoppm", "-r", "200", "-png", str(sheet), str(tmp_path / "sheet"))
    decoded = run("zbarimg", "--quiet", "--raw", str(next(tmp_path.glob("sheet*.png")))).stdout.split("\n")
    assert {c.qr_payload for c in cards} <= {line.strip() for line in decoded}
    part = tmp_path / "part.pdf"
    part.write_bytes(render_batch_part(faces, title="test"))
    assert len(page_sizes(part)) == 2 * len(cards)


@needs_poppler
def test_documents_made_one_after_another_from_the_shared_backgrounds_read_right(cards, tmp_path):
    """Every document after the first starts from the backgrounds recorded once per process."""
    for card in cards:
        path = tmp_path / f"{card.number}.pdf"
        path.write_bytes(render_card(face_for(card)))
        text = squeeze(run("pdftotext", str(path), "-").stdout)
        for expected in ("पं.दीनदयालउपाध्यायराज्यकर्मचारीकैशलेसचिकित्सायोजना", "Issuingoffice",
                         "सूचीबद्धचिकित्सालयोंमेंकैशलेसउपचारहेतुमान्य", card.name_hi, card.number):
            assert squeeze(expected) in text, (card.number, expected)


def text_modes(pdf: bytes, page: int = 0) -> list[int]:
    """The text rendering mode of every text-showing operator on a page, in order
    (q/Q save and restore it, as in a PDF reader)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        if b" Tf" in data and (b"Tj" in data or b"TJ" in data):
            streams.append(data)
    modes, stack, mode = [], [], 0
    for token in re.finditer(rb"(?<![\w/])(q|Q|(\d) Tr|Tj|TJ)(?![\w])", streams[page]):
        word = token.group(1)
        if word == b"q":
            stack.append(mode)
        elif word == b"Q":
            mode = stack.pop() if stack else 0
        elif word.endswith(b"Tr"):
            mode = int(token.group(2))
        else:
            modes.append(mode)
    return modes


def test_bold_is_a_stroked_outline_that_ends_with_its_line(cards):
    """Bold text is drawn filled and stroked (mode 2); the text after it is plain again."""
    modes = text_modes(render_card(face_for(cards[0])))
    runs = [key for key, _ in itertools.groupby(modes)]
    # Front, in drawing order: the scheme's name (bold), the title line, the "Card No." label,
    # both names (bold), the relation … family lines, the card number (bold). A stroke that
    # leaked would turn every later line bold.
    assert runs == [2, 0, 2, 0, 2], runs
    assert modes.count(0) >= 10


def test_widths_measured_on_the_fast_path_equal_fpdf2s_own():
    """Canvas._width measures ASCII text on one fragment made per size, and keeps widths for
    the process; both must give exactly what FPDF.get_string_width gives (the layout and the
    right-aligned card number depend on it)."""
    from portal.cards import pdf

    pdf._WIDTHS.clear()
    document = pdf._document(format=(pdf.W, pdf.H), title="widths")
    document.add_page()
    canvas = pdf.Canvas(document)
    samples = ["UP26000000019", "UP26123456789", "17.05.1980 ", "01.01.2000 ", "XXXX XXXX 0109", "EN2600000018",
               "Kshama Tripathi", "AVA WAY fi ffi", "Relation: ", "जन्म तिथि / Date of birth: ", " · 02.12.2026"]
    for size in (5, 5.6, 5.8, 6, 11.5):
        for text in samples:
            document.set_font("noto", "", size)
            expected = document.get_string_width(text)
            assert canvas._width(text, size) == expected, (text, size)
            assert canvas._width(text, size) == expected  # from the process-wide cache


def _office_names() -> list[tuple[str, str]]:
    """Every kind of office name the synthetic state has (each DDO kind in a few districts,
    with a unit number), and a few that need multi_cell itself: a Hindi name with Latin
    letters, a word longer than the column, an English name with Devanagari in it."""
    import csv

    from django.conf import settings

    root = settings.BASE_DIR / "portal"
    with open(root / "directory/data/districts.csv", encoding="utf-8") as fh:
        districts = list(csv.DictReader(fh))[::9]
    with open(root / "directory/data/departments.csv", encoding="utf-8") as fh:
        departments = {row["code"]: row for row in csv.DictReader(fh)}
    with open(root / "synthetic/data/ddo_kinds.csv", encoding="utf-8") as fh:
        kinds = list(csv.DictReader(fh))
    names = []
    for index, kind in enumerate(kinds):
        district = districts[index % len(districts)]
        department = departments[kind["department"]]
        if kind["unit_en"]:
            names.append((f"कार्यालय {kind['designation_hi']}, {kind['unit_hi']} {index}, {district['name_hi']}",
                          f"Office of the {kind['designation_en']}, {kind['unit_en']} {index}, {district['name_en']}"))
        else:
            names.append((f"कार्यालय {kind['designation_hi']}, {district['name_hi']}",
                          f"Office of the {kind['designation_en']}, {district['name_en']}"))
        names.append((f"आहरण एवं वितरण अधिकारी कार्यालय, {department['name_hi']}, {district['name_hi']}",
                      f"Office of the Drawing and Disbursing Officer, {department['name_en']}, {district['name_en']}"))
    names.append(("कार्यालय CMO, लखनऊ", "Office of the मुख्य चिकित्सा अधिकारी, Lucknow"))
    names.append(("कार्यालय  दो बार  रिक्त, लखनऊ", "Office  of the\nChief Engineer "))
    names.append(("कार्यालयकार्यालयकार्यालयकार्यालयकार्यालयकार्यालयकार्यालयकार्यालय", "Officeofthe" * 8))
    return names


def test_office_names_fill_each_line_of_the_column_and_no_more():
    """The back's office name is broken word by word with the widths kept per process
    (Canvas.lines): every line fits the column as drawn (shaped, in the font the line is
    drawn in), the next word would not have fitted, and nothing is lost. fpdf2's multi_cell
    adds up characters shaped one by one, which for Devanagari is wider than the shaped
    text: a Hindi name never takes more lines than it gave."""
    from portal.cards import pdf

    document = pdf._document(format=(pdf.W, pdf.H), title="lines")
    document.add_page()
    canvas = pdf.Canvas(document)
    room = pdf.BACK_TW - 2 * document.c_margin
    names = _office_names()
    assert len(names) > 250
    fewer = 0

    def drawn_width(text):  # as Canvas.text picks the font
        document.set_font(pdf._font_for(text), "", 5.8)
        return document.get_string_width(text)

    for _ in range(2):  # the second time from the kept word widths
        for hindi, english in names:
            for font, text in (("notodeva", hindi), ("noto", english)):
                document.set_font(font, "", 5.8)
                theirs = document.multi_cell(pdf.BACK_TW, 2.8, text, dry_run=True, output="LINES")
                lines = canvas.lines(text, pdf.BACK_TW, size=5.8)
                assert len(lines) <= len(theirs), (text, lines, theirs)
                fewer += len(lines) < len(theirs)
                if " ".join(text.split()) != text or len(max(text.split(), key=len)) > 40:
                    assert lines == theirs  # left to multi_cell
                    continue
                assert " ".join(lines) == text
                for line, following in zip(lines, lines[1:] + [None]):
                    assert drawn_width(line) <= room + 1e-6, (line, drawn_width(line), room)
                    if following:
                        assert drawn_width(f"{line} {following.split(' ')[0]}") > room, (line, following)
    assert fewer  # some Hindi names: one line, where multi_cell made two
