r"""One text cleaner for every way into casework: public form, staff forms, API, list imports.

Names and short fields go through `clean_line`; long free text through `clean_text`.

Names are matched, searched and shown to people deciding who a child is, so what is stored must be
what is seen. Invisible characters break that: a zero-width space inside "Мари\u200bя" makes it a
different name to a search and to the matcher while it looks the same on screen, and a
right-to-left override turns "Ali\u202egnp.exe" into what displays as "Aliexe.png" — and reverses
everything shown after it on the page. So cleaning removes them, and composes letters (NFC) so
that "й" typed as и + ◌̆ equals the "й" from another keyboard.

Cleaning is not escaping: "<script>" stays "<script>"; templates escape on output. Combining
marks stay (they are part of names in many scripts, such as Arabic harakat); nothing is
transliterated or case-folded.
"""

from __future__ import annotations

import re
import unicodedata

# Runs of whitespace other than a line break (\s is Unicode-aware: NBSP, ideographic space...).
_SPACES = re.compile(r"[^\S\n]+")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029]")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")


def clean_line(value: str) -> str:
    """One-line text (a name, a place, a phone number) as it should be stored and compared.

    Control characters, tabs and line breaks become spaces; invisible format characters (bidi
    embeddings, overrides and isolates, direction marks, zero-width spaces and joiners, byte
    order marks — all of Unicode category Cf) and lone surrogates are removed; the result is
    NFC with each run of whitespace one space, and no space at either end.
    """
    text = unicodedata.normalize("NFC", _visible(value, keep_newlines=False))
    return _WHITESPACE.sub(" ", text).strip()


def clean_text(value: str) -> str:
    """Long free text (a family's account, a note) as it should be stored: it keeps its
    characters, direction marks and joiners included (they are part of how Arabic and Persian
    are written, and such text is always rendered escaped and bidi-isolated, `dir="auto"`, so
    an override inside it reorders nothing around it); control characters and lone surrogates go,
    and it is NFC.

    CR LF, CR and the Unicode line and paragraph separators become "\\n"; tabs become spaces;
    spaces at the end of each line are dropped; at most two blank lines follow each other.
    """
    text = _LINE_BREAK.sub("\n", value)
    text = unicodedata.normalize("NFC", _visible(text, keep_newlines=True, keep_format=True))
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n\n", text).strip()


def _visible(value: str, *, keep_newlines: bool, keep_format: bool = False) -> str:
    # Removed before NFC: a format character between a letter and its accent would otherwise
    # keep them from composing, and its removal afterwards would leave the text not NFC.
    out = []
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc":
            out.append("\n" if keep_newlines and ch == "\n" else " ")
        elif category == "Cs" or (category == "Cf" and not keep_format):
            continue
        else:
            out.append(ch)
    return "".join(out)
