"""The fonts of a card document are subset by HarfBuzz (portal/hbsubset.py), not fontTools: the
subset keeps the glyphs drawn under their own ids, and every other PDF keeps fpdf2's path."""

import datetime
import io
import subprocess

from fontTools import subset as ftsubset
from fontTools import ttLib

from portal import hbsubset
from portal.cards import pdf as cardpdf
from portal.pdf import new_document, output

from .conftest import needs_poppler


def face_of(*, name_hi: str, name_en: str) -> cardpdf.CardFace:
    return cardpdf.CardFace(
        number="UP260000000042", family_number="EN2600000042", name_hi=name_hi, name_en=name_en,
        relation=("स्वयं", "Self"), date_of_birth=datetime.date(1984, 5, 17), gender=("पुरुष", "Male"),
        ward=("निजी", "Private"), kind=("कर्मचारी", "Employee"), office=("कोषागार लखनऊ", "Treasury Lucknow"),
        issued_on=datetime.date(2026, 11, 1), aadhaar_masked="XXXX XXXX 1234", helpline="1800-180-5145",
        verify_url="https://example.invalid/v/", qr_payload="SECTS1:UP260000000042:TEST")


def _glyf(data: bytes):
    font = ttLib.TTFont(io.BytesIO(data))
    return font, font["glyf"]


def test_the_subset_keeps_the_requested_glyphs_under_their_ids_and_empties_the_rest():
    source = cardpdf._prepared_fonts()["notodeva"]
    original, original_glyf = _glyf(source)
    order = original.getGlyphOrder()
    cmap = original.getBestCmap()
    wanted = [original.getGlyphID(cmap[ord(ch)]) for ch in "कष"]
    subset = hbsubset.subset_bytes(source, wanted)
    font, glyf = _glyf(subset)
    assert len(subset) < len(source) / 5
    assert font["maxp"].numGlyphs == max(wanted) + 1  # ids kept: nothing renumbered
    names = font.getGlyphOrder()
    for gid in wanted:
        assert glyf[names[gid]].numberOfContours > 0
    dropped = next(gid for gid in range(1, max(wanted)) if gid not in wanted
                   and original_glyf[order[gid]].numberOfContours > 0
                   and not original_glyf[order[gid]].isComposite())
    assert glyf[names[dropped]].numberOfContours == 0


@needs_poppler
def test_a_card_is_written_without_fonttools_subsetting_and_reads_back(monkeypatch, tmp_path):
    def refuse(self, font):
        raise AssertionError("fontTools subset a card font")

    monkeypatch.setattr(ftsubset.Subsetter, "subset", refuse)
    data = cardpdf.render_card(face_of(name_hi="क्षितिज श्रीवास्तव", name_en="Kshitij Srivastava"))
    path = tmp_path / "card.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "KSHITIJ SRIVASTAVA" in text and "UP26 0000 0000 42" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert fonts.count("CID TrueType") == 2 and "yes yes yes" in fonts  # embedded, subset, with ToUnicode


def test_other_documents_still_go_through_fonttools(monkeypatch):
    calls = []
    real = ftsubset.Subsetter.subset

    def counting(self, font):
        calls.append(type(font))
        return real(self, font)

    monkeypatch.setattr(ftsubset.Subsetter, "subset", counting)
    document = new_document(title="form")
    document.add_page()
    document.cell(text="Form / प्रपत्र")
    assert output(document).startswith(b"%PDF")
    assert calls and all(kind is not hbsubset.HbTTFont for kind in calls)
