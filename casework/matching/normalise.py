"""Fold person names written in Cyrillic, Latin or Arabic script onto comparable Latin keys.

Every input goes through the same folding whatever its origin, so a name written by a relative in
Cyrillic and the same name written by an authority from an Arabic record land on the same key.
Three strengths of folding are kept apart:

- ``fold``: orthographic only (script, digraphs, y/i, doubled letters). Two spellings that differ
  only by transliteration habit become equal.
- ``phonetic``: additionally maps the sounds Arabic script does not distinguish (e/i, o/u, v/f, p/f)
  and the Russian rendering of Arabic h as g. Magomed and Muhammad become close; Tagirova and
  Taghirufa become equal.
- ``skeleton``: the consonants of the phonetic form. Arabic-script input meets the others only here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

# One fixed table: a passport-style romanisation that the folding below makes equivalent to the
# other common habits (BGN, ISO 9, German, French).
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Caucasian letters: the palochka marks a glottal stop that Latin spellings drop.
    "ӏ": "", "Ӏ": "", "ә": "a", "ө": "o", "ү": "u", "һ": "h", "ғ": "g", "қ": "k", "ң": "n",
    "і": "i", "ї": "i", "є": "e", "ў": "u",
}  # fmt: skip

# Arabic script carries consonants (and long vowels); only its skeleton is comparable.
# Alif, waw and ya double as vowels, so they are dropped as the Latin vowels are.
ARABIC_TO_SKELETON: dict[str, str] = {
    "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "h", "خ": "h", "د": "d", "ذ": "z", "ر": "r",
    "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "h",
    "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "", "ء": "",
    "ا": "", "أ": "", "إ": "", "آ": "", "ى": "", "و": "", "ؤ": "", "ي": "", "ئ": "",
    "پ": "f", "چ": "ch", "ژ": "j", "گ": "h", "ک": "k", "ی": "",
}  # fmt: skip

_ARABIC_RANGE = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_APOSTROPHES = "'’‘`ʼʻʿʾ´\u02bc"

# Orthographic folds, applied in order to lower-case Latin text.
_FOLDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), repl)
    for pattern, repl in [
        (r"(.)\1+", r"\1"),  # doubled letters first, so Hajji and Гаджи meet
        (r"shch|sch", "sh"),  # щ in English and German habits; German ш
        (r"tsch|tch|tsh", "ch"),  # ч in German and French habits
        (r"dzh|dsch|dj|zh", "j"),  # дж and ж
        (r"(?<=[aeiou])j(?=[^aeiou]|$)", "i"),  # German j after a vowel is й: Ubajdiewa, Chusejn
        (r"ts|tz", "z"),  # ц
        (r"ck|q|c(?!h)", "k"),  # Victoria, Ruqayya
        (r"kh|gh|ch|x|h", "h"),  # х in English/German/Arabic habits; German ch is х too
        (r"ou", "u"),  # French habit: Abdoulla
        (r"w", "v"),  # German habit: Wachidsultanowa
        (r"ph", "f"),
        (r"y", "i"),  # й/ы/iotated vowels: Yusuf/Iusuf, Maryam/Mariam
        (r"ii+", "i"),
        (r"(?<=[aeou])i(?=e)", ""),  # Dadayev/Dadaev: the iotation of е after a vowel
        (r"(.)\1+", r"\1"),  # doubled letters
    ]
]

# Arabic-script sounds: Arabic writes no e/o/v/p, and Russian renders Arabic h as g.
_PHONETIC: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), repl)
    for pattern, repl in [
        (r"e", "i"),
        (r"o", "u"),
        (r"v", "f"),
        (r"p", "f"),  # Dagestani п for ф: Patimat/Fatima
        (r"g", "h"),  # Magomed/Muhammad, Gusein/Husein, Zagidat/Zahida
        (r"(?<=[aiu])h$", ""),  # Abdullah/Abdulla
        (r"(?<=[aiu])i(?=[aiu])", ""),  # Musaeva/Musaifa after e→i
        (r"(.)\1+", r"\1"),
    ]
]

_ARTICLE = re.compile(r"\b(?:al|el|ul|ad|ar|as|ash|at|az|an)[-\s]+(?=\w)")
_SEPARATORS = re.compile(r"[^a-z]+")

SURNAME_ENDINGS: tuple[tuple[str, str], ...] = (
    # phonetic-form feminine ending → masculine ending (Тагирова → Тагиров, Шишани unchanged)
    ("ufa", "uf"),
    ("ifa", "if"),
    ("ina", "in"),
    ("skaia", "ski"),
    ("ska", "ski"),
    ("skii", "ski"),
)

_KUNYA_WORDS: dict[str, str] = {
    "umm": "umm", "um": "umm", "umu": "umm", "ummu": "umm", "im": "umm",
    "abu": "abu", "abou": "abu", "abo": "abu", "ebu": "abu", "abi": "abu", "abul": "abu",
    "ibn": "ibn", "bin": "ibn", "ben": "ibn", "ibni": "ibn",
    "bint": "bint", "bent": "bint", "binti": "bint", "bintu": "bint",
}  # fmt: skip

_PATRONYMIC = re.compile(r"(?:ovich|evich|ich|ovna|evna|ichna|inichna|ovic|ovych|ogli|kizi|uli)$")
_SURNAME_LIKE = re.compile(
    r"(?:ov|ev|in|ova|eva|ina|iev|ieva|aev|aeva|uf|ufa|if|ifa|ski|skaia|skii|shvili|dze|ian)$"
)


def strip_invisible(text: str) -> str:
    """Remove zero-width, bidi control and other format characters, and combining marks."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        # Cyrillic й and ё are base letter + combining mark in NFD; keep them as letters.
        if category == "Mn" and ch in "\u0306\u0308" and kept and kept[-1] in "иИеЕ":
            kept.append(ch)
            continue
        if category in ("Mn", "Me", "Cf", "Cc"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def identifier_key(text: str | None) -> str:
    """Document numbers: letters and digits only, Cyrillic look-alikes read as Latin."""
    return re.sub(r"[^0-9a-z]", "", to_latin(text or ""))


def has_arabic(text: str) -> bool:
    return bool(_ARABIC_RANGE.search(text))


def to_latin(text: str) -> str:
    """Lower-case Latin transliteration of any name (Arabic letters become their skeleton)."""
    text = strip_invisible(text).lower()
    out = []
    for ch in text:
        if ch in CYRILLIC_TO_LATIN:
            out.append(CYRILLIC_TO_LATIN[ch])
        elif ch in ARABIC_TO_SKELETON:
            out.append(ARABIC_TO_SKELETON[ch])
        elif ch in _APOSTROPHES:
            continue
        else:
            out.append(ch)
    return "".join(out)


def _fold_word(word: str) -> str:
    for pattern, repl in _FOLDS:
        word = pattern.sub(repl, word)
    return word


def _phonetic_word(word: str) -> str:
    for pattern, repl in _PHONETIC:
        word = pattern.sub(repl, word)
    return word


def tokens(text: str | None) -> list[str]:
    """Latin, article-free word tokens of a name: 'al-Hashimi' → ['hashimi']."""
    if not text:
        return []
    latin = _ARTICLE.sub("", to_latin(text))
    return [t for t in _SEPARATORS.split(latin) if t]


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """Orthographic folding of a whole name; words joined by single spaces."""
    return " ".join(_fold_word(t) for t in tokens(text))


@lru_cache(maxsize=200_000)
def phonetic(text: str | None) -> str:
    return " ".join(_phonetic_word(_fold_word(t)) for t in tokens(text))


def skeleton_of(phonetic_form: str) -> str:
    # Arabic writes п as b or f (Yusup/Yusub/Yusuf): labials meet on the skeleton only
    consonants = re.sub(r"[aeiou ]", "", phonetic_form).replace("b", "f")
    return re.sub(r"(.)\1+", r"\1", consonants)


@lru_cache(maxsize=200_000)
def skeleton(text: str | None) -> str:
    """Consonant skeleton; the only key on which Arabic-script input meets the others."""
    if not text:
        return ""
    return skeleton_of(phonetic(text))


def degender(phonetic_surname: str) -> str:
    """Masculine form of a phonetic surname: tahirufa → tahiruf, musaifa → musaif."""
    words = phonetic_surname.split()
    out = []
    for word in words:
        for feminine, masculine in SURNAME_ENDINGS:
            if word.endswith(feminine) and len(word) > len(feminine) + 1:
                word = word[: -len(feminine)] + masculine
                break
        out.append(word)
    return " ".join(out)


@lru_cache(maxsize=200_000)
def surname_key(text: str | None) -> str:
    """De-gendered phonetic surname: Тагирова, Tagirov and Taghirufa share one key."""
    return degender(phonetic(text)).replace(" ", "")


def given_variant_key(phonetic_given: str) -> str:
    """Phonetic given name with the Dagestani female -at dropped: Khadizhat → Khadija."""
    word = phonetic_given.replace(" ", "")
    if len(word) > 4 and word.endswith("at"):
        word = word[:-1]
    return word


def patronymic_stem(text: str | None) -> str:
    """Father's given name from a Russian patronymic: Ибрагимовна → ibragim (folded form)."""
    folded = fold(text).replace(" ", "")
    for suffix in ("ovna", "evna", "ovich", "evich", "ichna", "ich", "ovic", "ogli", "kizi"):
        if folded.endswith(suffix) and len(folded) > len(suffix) + 2:
            return folded[: -len(suffix)]
    return folded


@dataclass(frozen=True)
class Alias:
    """An alias such as a kunya. ``kind`` is umm, abu, ibn, bint, child_of_abu or plain."""

    kind: str
    name: str  # folded name that follows the kunya word ('' for plain aliases)
    text: str  # the folded alias as a whole


def parse_alias(text: str | None) -> Alias | None:
    """Recognise 'Umm Bilal', 'Abu Muhammad', 'ibn Abu Muhammad', 'bint Yusuf' and plain aliases."""
    words = fold(text).split()
    if not words:
        return None
    first = _KUNYA_WORDS.get(words[0])
    if first is None:
        return Alias("plain", "", " ".join(words))
    rest = words[1:]
    kind = first
    if first in ("ibn", "bint") and rest and _KUNYA_WORDS.get(rest[0]) == "abu":
        kind = "child_of_abu"
        rest = rest[1:]
    return Alias(kind, " ".join(rest), " ".join([kind, *rest]))


def is_kunya_word(word: str) -> bool:
    return fold(word) in _KUNYA_WORDS


def kunya_kind(word: str) -> str | None:
    """umm, abu, ibn or bint for a kunya word in any spelling ('Умм', 'Abou', 'bin'), else None."""
    return _KUNYA_WORDS.get(fold(word))


def looks_like_patronymic(word: str) -> bool:
    return bool(_PATRONYMIC.search(fold(word).replace(" ", "")))


def looks_like_surname(word: str) -> bool:
    folded = fold(word).replace(" ", "")
    return bool(_SURNAME_LIKE.search(folded)) and len(folded) > 4


@dataclass(frozen=True)
class SplitName:
    family: str
    given: str
    patronymic: str
    aliases: tuple[str, ...]


def split_full_name(
    full_name: str | None, is_given_name: Callable[[str], bool] | None = None
) -> SplitName:
    """Split a free-text full name into family, given and patronymic parts, in either order.

    Kunya phrases ("Umm Bilal", "ibn Abu Muhammad") inside the full name become aliases.
    ``is_given_name`` tells a known given name; it breaks ties when neither word looks like a
    surname.
    """
    raw = [w for w in re.split(r"[\s,]+", strip_invisible(full_name or "")) if w]
    words: list[str] = []
    aliases: list[str] = []
    i = 0
    while i < len(raw):
        joined = raw[i] + raw[i + 1] if i + 1 < len(raw) else ""
        if is_given_name and joined and fold(raw[i]) == "abu" and is_given_name(joined):
            # Abu Bakr, Abu Talib: kunyas that became given names
            words.append(f"{raw[i]} {raw[i + 1]}")
            i += 2
            continue
        if is_kunya_word(raw[i]) and i + 1 < len(raw):
            j = i + 1
            while j < len(raw) - 1 and is_kunya_word(raw[j]):
                j += 1
            aliases.append(" ".join(raw[i : j + 1]))
            i = j + 1
            continue
        words.append(raw[i])
        i += 1
    patronymic = ""
    for w in words:
        if looks_like_patronymic(w) and len(words) > 2:
            patronymic = w
            words = [x for x in words if x is not w]
            break
    if not words:
        return SplitName("", "", patronymic, tuple(aliases))
    if len(words) == 1:
        word = words[0]
        if looks_like_surname(word) and not (is_given_name and is_given_name(word)):
            return SplitName(word, "", patronymic, tuple(aliases))
        return SplitName("", word, patronymic, tuple(aliases))
    first, last = words[0], words[-1]

    def surname_score(w: str) -> int:
        score = 2 if looks_like_surname(w) else 0
        if is_given_name and is_given_name(w):
            score -= 1
        return score

    if surname_score(first) > surname_score(last):
        return SplitName(first, " ".join(words[1:]), patronymic, tuple(aliases))
    return SplitName(last, " ".join(words[:-1]), patronymic, tuple(aliases))
