"""The characters the fonts built into the ``typst`` package can print.

Typst is run with ``ignore_system_fonts`` (every machine prints the same letter), so a
character none of its embedded fonts has (Libertinus Serif, New Computer Modern and its
math fonts, DejaVu Sans Mono) would come out as an empty box or vanish. :func:`missing`
finds those before a PDF is made. The letters' own face (Liberation Sans, shipped in
``ppks_cli/data/fonts``) falls back on these fonts for what it lacks, so the table is
what any letter can print, whichever ``[letters] font`` the office chose. The table
below is the union of the fonts' ``cmap`` tables of typst 0.15.2;
``tests/test_letters_safety.py`` compares it with the fonts of the installed package
(with fontTools) so that an upgrade cannot silently change it.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata

_RANGES = """
0020-007F 00A0-0377 037A-037F 0384-038A 038C 038E-03A1 03A3-04FF 0510-0513 051A-051D
0531-058F 0591-05C7 05D0-05EB 05EF-05F5 05F7 0606-060C 0615 061B 061F 0621-063A
0640-0655 065A 0660-066D 0674 0679-067B 067E-0680 0683-0684 0686-0687 0691 0698 06A4
06A9 06AF 06BE 06CC 06F0-06F9 0900-097F 0E3F 0E81-0E82 0E84 0E87-0E88 0E8A 0E8D
0E94-0E97 0E99-0E9F 0EA1-0EA3 0EA5 0EA7 0EAA-0EAB 0EAD-0EB9 0EBB-0EBC 0EC8-0ECD
10D0-10FF 13A0-13FD 1AB0-1ACE 1D00-1F15 1F18-1F1D 1F20-1F45 1F48-1F4D 1F50-1F57 1F59
1F5B 1F5D 1F5F-1F7D 1F80-1FB4 1FB6-1FC4 1FC6-1FD3 1FD6-1FDB 1FDD-1FEF 1FF2-1FF4
1FF6-1FFE 2000-2027 2029 202F-2064 2070-2071 2074-208E 2090-209C 20A0-20C0 20D0-20F0
2100-2151 2153-2184 2189 2190-23FF 2422-2423 2460-262F 2638-268B 2690-269C 26A0-26A7
26AA-26B2 2701-2704 2706-2709 270C-2727 2729-274B 274D 274F-2752 2756 2758-275E
2761-277F 2794 2798-27AF 27B1-2B73 2B76-2B95 2B97-2BFF 2C60-2CF3 2CF9-2CFF 2E02-2E05
2E08-2E0A 2E17-2E18 2E1F 2E22-2E25 2E2E 3012 3016-3017 301A-301B 3030 3036 306E
A46A-A46B A640-A641 A648-A649 A656-A657 A708-A716 A71B-A727 A72D A730 A735 A765
A789-A78E A790-A791 A793 A7AA A7F8-A7F9 AB52 AB66 AB70-ABBF E000-E03D E041-E290
E376-E377 E395 E397-E39B E3D3 E801-E803 EA00-EA11 EA14-EA1F EA25-EA36 EA38-EA46 EA57
EB02-EB04 EB08-EB0A EB0D EB0F-EB12 EB15-EB17 EB19 EB1E-EB1F EB28-EB2B EB2E-EB32
EB35-EB36 EB3A-EB3B EB40 EB43 EB48-EB49 EB4C-EB4D EB50-EB57 EB5A EB61 EB63-EB67 EB6B
EB6E-EB6F EB7E EC00-EC01 EC06-EC0E EC10-EC11 F100-F101 F103-F106 F109 F113 F115-F11E
F121-F123 F126-F15C F15F-F175 F177-F180 F182-F185 F187-F19C F19E-F1A1 F1A3-F1A4
F1A7-F210 F212-F24E F25C-F2A1 F2A4 F2A6-F2A9 F2AC F2AE-F2AF F460-F468 F46A-F472
F500-F510 F512-F51F F638-F641 F643-F64C F6BE F6C4-F6C8 F6D3-F6D6 F6DC F6DE F6F9-F6FA
F6FD F6FF F724 F730-F739 F761-F77A F7A2 F7E0-F7F6 F7F8-F7FF FB00-FB06 FB13-FB17
FB1D-FB4F FB52-FB81 FB8A-FB95 FB9E-FB9F FBAA-FBAD FBE8-FBE9 FBFC-FBFF FE00-FE01
FE20-FE2F FE66 FE70-FE74 FE76-FEFC FEFF FFF9-FFFD 10140-1018E 102E0-102FB 1D106-1D107
1D400-1D454 1D456-1D49C 1D49E-1D49F 1D4A2 1D4A5-1D4A6 1D4A9-1D4AC 1D4AE-1D4B9 1D4BB
1D4BD-1D4C3 1D4C5-1D505 1D507-1D50A 1D50D-1D514 1D516-1D51C 1D51E-1D539 1D53B-1D53E
1D540-1D544 1D546-1D547 1D54A-1D550 1D552-1D6A5 1D6A8-1D7CB 1D7CE-1D7FF 1EE00-1EE22
1EE24 1EE27 1EE29-1EE32 1EE34-1EE37 1EE39 1EE3B 1EE42 1EE47 1EE49 1EE4B 1EE4D-1EE4F
1EE51-1EE52 1EE54 1EE57 1EE59 1EE5B 1EE5D 1EE5F 1EE61-1EE62 1EE64 1EE67-1EE6A
1EE6C-1EE72 1EE74-1EE77 1EE79-1EE7C 1EE7E-1EE89 1EE8B-1EE9B 1EEA1-1EEA3 1EEA5-1EEA9
1EEAB-1EEBB 1EEF0-1EEF1 1F12F 1F6D1 1F780-1F7D8 1F7E0-1F7EB 1F7FF-1F80B 1F810-1F847
1F850-1F859 1F860-1F887 1F890-1F8AD 1F8B0-1F8BB 1F8C0-1F8C1 1F8D0-1F8D8
"""

_ESCAPE = re.compile(r"\\u\{([0-9A-Fa-f]{1,6})\}")


@functools.cache
def _ranges() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The table as two sorted tuples: the first and the last code point of each range."""
    pairs = []
    for item in _RANGES.split():
        first, _, last = item.partition("-")
        pairs.append((int(first, 16), int(last or first, 16)))
    pairs.sort()
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def printable(point: int) -> bool:
    """Whether an embedded font has a glyph for the code point ``point`` (a search in
    the table: a letter checks its few hundred distinct characters without building the
    set of :func:`covered`)."""
    firsts, lasts = _ranges()
    at = bisect.bisect_right(firsts, point) - 1
    return at >= 0 and point <= lasts[at]


@functools.cache
def covered() -> frozenset[int]:
    """Every code point the embedded fonts have a glyph for."""
    points: set[int] = set()
    for first, last in zip(*_ranges(), strict=True):
        points.update(range(first, last + 1))
    return frozenset(points)


def missing(source: str) -> list[str]:
    """The characters of ``source`` (a Typst source; its ``\\u{...}`` escapes included)
    that no embedded font can print, each once, in order of appearance. Control
    characters (line breaks, tabs) are layout, not glyphs, and are not reported."""
    escaped = []
    for match in _ESCAPE.finditer(source):
        try:
            escaped.append(chr(int(match[1], 16)))
        except (ValueError, OverflowError):
            continue
    found: dict[str, None] = {}
    for char in dict.fromkeys((*source, *escaped)):  # each distinct character once, in order
        if not printable(ord(char)) and unicodedata.category(char) != "Cc":
            found.setdefault(char)
    return list(found)
