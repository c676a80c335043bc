"""Cleaning text that came from somewhere else (OfficeRnD names, Visma names, the mapping)
before it goes into a field of a file or a request, where a stray control character, line
break or bidi mark could break the record or disguise what it says.

`clean_text(value, max_len=None)` is the one contract, in this order:

1. `None` is `""`; any other value is `str(value)`, then Unicode NFC (so a letter and its
   combining mark become the one precomposed letter a legacy code page has).
2. Every whitespace character (`str.isspace`: tab, LF, VT, FF, CR, the C0 separators
   FS/GS/RS/US, NEL, no-break spaces, the Unicode spaces, LINE and PARAGRAPH SEPARATOR)
   becomes a space: words separated by a line break stay separated.
3. Every other control or invisible character is removed: Unicode categories Cc (NUL, ESC,
   the rest of C0, DEL, C1), Cf (bidi marks, embeddings, overrides and isolates, zero-width
   space and joiners, word joiner, BOM, soft hyphen) and Cs (lone surrogates).
4. Runs of spaces become one space; leading and trailing spaces go.
5. With `max_len`, the result is cut to at most `max_len` characters (code points), and a
   space the cut leaves at the end goes too.

The result holds no control character, no line break, no tab and no bidi mark, never starts
or ends with a space, and `clean_text(clean_text(v)) == clean_text(v)`.

`to_charset(text, encoding)` then makes a cleaned text fit a legacy code page (SIE's CP437):
characters the code page has are kept, common typography it lacks gets an ASCII stand-in
(curly quotes, dashes, the euro sign), a letter with a diacritic the code page lacks loses
the diacritic (`ł` has none to lose, `ő` becomes `o`), anything else becomes `?`.
"""

import unicodedata

REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# Typography legacy code pages lack, and what stands in for it.
STAND_INS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u20ac": "EUR",
}  # fmt: skip


def clean_text(value: object, max_len: int | None = None) -> str:
    """`value` as one line of visible text, at most `max_len` characters (module docstring)."""
    if max_len is not None and max_len < 0:
        raise ValueError(f"max_len must be 0 or more, not {max_len}")
    text = "" if value is None else unicodedata.normalize("NFC", str(value))
    if not text.isprintable():
        # Printable text (nearly all of it) has nothing for the loop to do: every whitespace
        # character but the space, and every Cc, Cf and Cs character, is unprintable.
        kept = []
        for char in text:
            if char.isspace():
                kept.append(" ")
            elif unicodedata.category(char) not in REMOVED_CATEGORIES:
                kept.append(char)
        text = "".join(kept)
    text = " ".join(text.split())
    if max_len is not None:
        text = text[:max_len].rstrip(" ")
    return text


def to_charset(text: str, encoding: str, replacement: str = "?") -> str:
    """`text` with only characters `encoding` can write (module docstring); `replacement`
    must itself be encodable."""
    out = []
    for char in text:
        if _encodable(char, encoding):
            out.append(char)
        elif char in STAND_INS:
            out.append(STAND_INS[char])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            out.append(base if base and _encodable(base, encoding) else replacement)
    return "".join(out)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True
