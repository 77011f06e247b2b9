"""Font subsets made by HarfBuzz instead of fontTools when fpdf2 writes a card document.

fpdf2 subsets every embedded font with fontTools as it writes the file. For a one-card PDF that
was about 45 of its 73 ms of CPU: fontTools decompiles and recompiles each kept glyph in Python.
HarfBuzz's subsetter (uharfbuzz, already here for shaping) makes the same subset in C in well
under a millisecond. A font opened as `HbTTFont` takes that path; any other font, and any call
fpdf2 might make that this module does not know, keeps fontTools.

fpdf2 (pinned) looks the subsetter up as `fpdf.output.ftsubset.Subsetter` and then uses the font
only through `getGlyphID(name)` and `save(file)`. Glyph ids are kept as they are (RETAIN_GIDS), so
the ids fpdf2 reads from the unchanged TTFont are the ids in the embedded subset.
"""

import io
import types

import fpdf.output
import uharfbuzz as hb
from fontTools import subset as ftsubset
from fontTools import ttLib

# What fpdf2 drops from its own subsets (fpdf/output.py), plus the layout tables' closure:
# a PDF carries shaped glyphs, it never lays text out again.
_DROP_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC",
                "EBSC", "SVG ", "CPAL", "COLR", "BASE", "JSTF", "DSIG")
_FLAGS = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.NOTDEF_OUTLINE | hb.SubsetFlags.NO_LAYOUT_CLOSURE


class HbTTFont(ttLib.TTFont):
    """A TTFont read from `data` whose document subset HarfBuzz makes (see the module).

    Its glyph order and `hmtx`, all that drawing reads from it, come decoded from the first
    font made from the same `data` in this process: decoding the glyph names of the `post`
    table again for every document was ~5 ms per font. They are only read, never changed."""

    def __init__(self, data: bytes, **kwargs):
        super().__init__(io.BytesIO(data), **kwargs)
        self._source = data
        self._subset: bytes | None = None
        order, reverse, hmtx = _decoded(data)
        self.glyphOrder, self._reverseGlyphOrderDict = order, reverse
        self.tables["hmtx"] = hmtx

    def save(self, file, reorderTables=True):  # noqa: N803 - fontTools' name
        if self._subset is None:
            return super().save(file, reorderTables)
        file.write(self._subset)


_DECODED: dict[int, tuple] = {}  # id(data) -> (data, glyph order, name -> id, hmtx)


def _decoded(data: bytes) -> tuple[list, dict, object]:
    found = _DECODED.get(id(data))
    if found is None or found[0] is not data:
        font = ttLib.TTFont(io.BytesIO(data), lazy=True)
        found = (data, font.getGlyphOrder(), font.getReverseGlyphMap(), font["hmtx"])
        _DECODED[id(data)] = found  # keeps `data` alive, so its id is not reused
    return found[1], found[2], found[3]


def subset_bytes(data: bytes, glyph_ids) -> bytes:
    """The font `data` cut down to `glyph_ids` (and the glyphs they are composed of), ids kept."""
    spec = hb.SubsetInput()
    spec.glyph_set.update(set(glyph_ids) | {0})
    spec.unicode_set.clear()
    for tag in _DROP_TABLES:
        spec.drop_table_tag_set.add(int.from_bytes(tag.encode("ascii"), "big"))
    spec.flags = _FLAGS
    return hb.subset(hb.Face(data), spec).blob.data


class _Subsetter:
    """fontTools' Subsetter as fpdf2 calls it: populate(glyphs=...), then subset(font)."""

    def __init__(self, options=None):
        self._options = options
        self._glyphs: list = []
        self._other: dict = {}

    def populate(self, glyphs=(), **other):
        self._glyphs, self._other = list(glyphs), other

    def subset(self, font):
        if isinstance(font, HbTTFont) and not self._other:
            font._subset = subset_bytes(font._source, (font.getGlyphID(name) for name in self._glyphs))
            return
        real = ftsubset.Subsetter(self._options)
        real.populate(glyphs=self._glyphs, **self._other)
        real.subset(font)


def install() -> None:
    """Route fpdf2's subsetting through `_Subsetter` (idempotent)."""
    if not isinstance(fpdf.output.ftsubset, types.SimpleNamespace):
        fpdf.output.ftsubset = types.SimpleNamespace(Options=ftsubset.Options, Subsetter=_Subsetter)
