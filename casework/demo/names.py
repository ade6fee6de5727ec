"""Invented name pools and the writing habits that turn one name into the many forms we meet.

The pools are common given names and surname stems of each region; combinations are drawn at
random, so any resemblance to a real person is chance. `AVOID` lists names of well-known real
people that the generator never emits (and the tests check for).
"""

from __future__ import annotations

import unicodedata

# Surnames in their masculine form; the feminine form is derived (-ов → -ова, -ин → -ина).
SURNAMES: dict[str, list[str]] = {
    "Chechnya": [
        "Хасиев",
        "Мусаев",
        "Исаев",
        "Ахмадов",
        "Ибрагимов",
        "Юсупов",
        "Магомадов",
        "Халидов",
        "Абдулаев",
        "Саидов",
        "Заурбеков",
        "Бисултанов",
        "Арсанукаев",
        "Таймасханов",
        "Эдиев",
        "Межидов",
        "Гайрбеков",
        "Шамсудинов",
        "Висаитов",
        "Цакаев",
        "Эльмурзаев",
        "Хамзатов",
        "Ахтаев",
        "Батукаев",
        "Закриев",
        "Успаев",
    ],
    "Dagestan": [
        "Магомедов",
        "Гаджиев",
        "Алиев",
        "Абдуллаев",
        "Рамазанов",
        "Омаров",
        "Курбанов",
        "Гасанов",
        "Исмаилов",
        "Тагиров",
        "Шамилов",
        "Гусейнов",
        "Абакаров",
        "Джамалов",
        "Ахмедов",
        "Муртазалиев",
        "Гаджимагомедов",
        "Султанов",
        "Камалов",
    ],
    "Ingushetia": [
        "Евлоев",
        "Оздоев",
        "Костоев",
        "Мальсагов",
        "Цечоев",
        "Аушев",
        "Котиев",
        "Барахоев",
        "Картоев",
        "Галаев",
        "Хашагульгов",
        "Дзейтов",
    ],
    "Tatarstan": [
        "Хабибуллин",
        "Галиев",
        "Сафин",
        "Гарипов",
        "Зарипов",
        "Мингазов",
        "Нуриев",
        "Валиев",
        "Шарипов",
        "Ахметзянов",
        "Гилязов",
        "Файзуллин",
    ],
    "Kabardino-Balkaria": ["Кодзоев", "Шогенов", "Кушхов", "Тхагапсоев", "Жабоев", "Кумыков"],
    "Bashkortostan": ["Юлдашев", "Габдрахманов", "Ишмухаметов", "Кильдияров"],
    "Moscow": [
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Соколов",
        "Волков",
        "Морозов",
        "Белов",
        "Романов",
        "Фролов",
        "Захаров",
    ],
    "Astrakhan Oblast": ["Утешев", "Кудайбергенов", "Джумалиев", "Бекмухамбетов"],
    "Tyumen Oblast": ["Рахимов", "Усманов", "Ибатуллин", "Шамсутдинов"],
}
REGION_WEIGHTS = {
    "Chechnya": 30,
    "Dagestan": 30,
    "Ingushetia": 8,
    "Tatarstan": 8,
    "Kabardino-Balkaria": 5,
    "Bashkortostan": 3,
    "Moscow": 8,
    "Astrakhan Oblast": 4,
    "Tyumen Oblast": 4,
}

WOMEN = {
    "north_caucasus": [
        "Мадина",
        "Залина",
        "Хадижат",
        "Патимат",
        "Аминат",
        "Зарема",
        "Лейла",
        "Асет",
        "Хеда",
        "Малика",
        "Седа",
        "Раиса",
        "Фатима",
        "Диана",
        "Камила",
        "Эльмира",
        "Марьям",
        "Луиза",
        "Милана",
        "Зулихан",
        "Айшат",
        "Хава",
        "Петимат",
        "Макка",
        "Зайнап",
        "Луиза",
        "Джамиля",
    ],
    "volga": ["Гульнара", "Альбина", "Алсу", "Лилия", "Эльвира", "Гузель", "Резеда", "Айгуль"],
    "slavic": ["Юлия", "Анастасия", "Екатерина", "Наталья", "Ольга", "Дарья", "Ксения", "Алёна"],
}
MEN = {
    "north_caucasus": [
        "Магомед",
        "Ахмед",
        "Ислам",
        "Рустам",
        "Руслан",
        "Шамиль",
        "Аслан",
        "Заур",
        "Ибрагим",
        "Абдулла",
        "Юсуп",
        "Умар",
        "Саид",
        "Хамзат",
        "Тимур",
        "Алихан",
        "Мурад",
        "Арсен",
        "Зелимхан",
        "Адам",
        "Муса",
        "Иса",
        "Абубакар",
        "Ризван",
        "Хасан",
        "Хусейн",
    ],
    "volga": ["Марат", "Ильдар", "Рустем", "Айдар", "Ринат", "Фарид", "Ильназ", "Радик"],
    "slavic": ["Дмитрий", "Александр", "Сергей", "Андрей", "Максим", "Евгений", "Артём"],
}
# Names given to children born in Syria and Iraq.
BOYS = [
    "Билал",
    "Мухаммад",
    "Абдуррахман",
    "Юсуф",
    "Ибрагим",
    "Умар",
    "Хамза",
    "Абдулла",
    "Муса",
    "Иса",
    "Салахуддин",
    "Яхья",
    "Исмаил",
    "Али",
    "Хасан",
    "Усман",
    "Халид",
    "Зубайр",
    "Сухайб",
    "Абдулмалик",
    "Имран",
    "Харун",
    "Ахмад",
    "Мустафа",
]
GIRLS = [
    "Айша",
    "Марьям",
    "Сафия",
    "Хадиджа",
    "Асия",
    "Фатима",
    "Зайнаб",
    "Умайма",
    "Халима",
    "Хафса",
    "Сумайя",
    "Рукайя",
    "Амина",
    "Нусайба",
    "Хаджар",
    "Руманиса",
    "Майсара",
    "Шифа",
]
ARABIC_GIVEN = {
    "Мухаммад": "محمد",
    "Билал": "بلال",
    "Айша": "عائشة",
    "Марьям": "مريم",
    "Фатима": "فاطمة",
    "Юсуф": "يوسف",
    "Ибрагим": "إبراهيم",
    "Умар": "عمر",
    "Абдулла": "عبد الله",
    "Хамза": "حمزة",
    "Зайнаб": "زينب",
    "Хадиджа": "خديجة",
    "Сафия": "صفية",
    "Иса": "عيسى",
    "Муса": "موسى",
    "Асия": "آسية",
    "Халима": "حليمة",
    "Хафса": "حفصة",
    "Сумайя": "سمية",
    "Абдуррахман": "عبد الرحمن",
    "Салахуддин": "صلاح الدين",
    "Умайма": "أميمة",
    "Яхья": "يحيى",
    "Исмаил": "إسماعيل",
    "Али": "علي",
    "Хасан": "حسن",
    "Усман": "عثمان",
    "Халид": "خالد",
    "Амина": "آمنة",
    "Рукайя": "رقية",
    "Ахмад": "أحمد",
    "Мустафа": "مصطفى",
    "Имран": "عمران",
    "Харун": "هارون",
    "Магомед": "محمد",
    "Ахмед": "أحمد",
    "Мадина": "مدينة",
    "Хава": "حواء",
    "Марат": "مراد",
}
# The regional nisba a husband's kunya carried ("Abu Yusuf ad-Dagestani").
NISBA = {
    "Chechnya": "аш-Шишани",
    "Dagestan": "ад-Дагестани",
    "Ingushetia": "аль-Ингуши",
    "Tatarstan": "ат-Татари",
    "Kabardino-Balkaria": "аль-Кабарди",
    "Bashkortostan": "аль-Башкири",
    "Moscow": "ар-Руси",
    "Astrakhan Oblast": "ар-Руси",
    "Tyumen Oblast": "ар-Руси",
}
CULTURE = {
    "Tatarstan": "volga",
    "Bashkortostan": "volga",
    "Tyumen Oblast": "volga",
    "Astrakhan Oblast": "volga",
    "Moscow": "slavic",
}

# Well-known real people (leaders, fighters, public figures of the region). The generator never
# emits these; tests compare every seeded name against them.
AVOID = {
    "ramzan kadyrov",
    "akhmad kadyrov",
    "shamil basayev",
    "dzhokhar dudayev",
    "aslan maskhadov",
    "doku umarov",
    "ruslan gelayev",
    "salman raduyev",
    "zelimkhan yandarbiyev",
    "movladi udugov",
    "khabib nurmagomedov",
    "abdulmanap nurmagomedov",
    "islam makhachev",
    "ruslan aushev",
    "yunus-bek yevkurov",
    "magomedali magomedov",
    "abu bakr al-baghdadi",
    "abu omar al-shishani",
    "abu umar ash-shishani",
    "abu muhammad al-adnani",
    "abu musab al-zarqawi",
    "abu ibrahim al-hashimi",
    "abu muhammad al-julani",
    "tarkhan batirashvili",
    "adam delimkhanov",
    "magomed daudov",
    "said buryatsky",
    "aliaskhab kebekov",
    "rustam asildarov",
    "dokka umarov",
    "anzor astemirov",
    "ali taziev",
    "magas",
}
# Surnames identifying enough on their own to stay out of the pools' combinations.
AVOID_SURNAMES = {"kadyrov", "basayev", "maskhadov", "dudayev", "yandarbiyev", "umarov"}

CYR_LATIN: dict[str, dict[str, str]] = {
    # Common press/BGN-like habit: Магомедова → Magomedova, Хасиева → Khasieva.
    "common": {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "yo",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    },
}
# Other habits differ from the common one in a few letters.
_HABIT_CHANGES = {
    # Russian passports since 2014 (ICAO): Юсупова → Iusupova.
    "passport": {"й": "i", "ю": "iu", "я": "ia", "ъ": "ie"},
    # Heard through Arabic: г and х both become h (Магомедова → Mahomedova, Хасиев → Hasiev).
    "arabic_ear": {"г": "h", "х": "h", "е": "e", "ё": "o", "ы": "i", "ю": "yu", "я": "ya"},
    # French-speaking clerks: Шамилова → Chamilova, Юсупова → Ioussoupova.
    "french": {"ш": "ch", "ч": "tch", "ж": "j", "у": "ou", "ю": "iou", "я": "ia", "х": "kh"},
    # German-speaking clerks: Магомедова → Magomedowa, Хасиев → Chasiew.
    "german": {
        "в": "w",
        "ш": "sch",
        "ч": "tsch",
        "ж": "sh",
        "х": "ch",
        "ц": "z",
        "й": "j",
        "ю": "ju",
        "я": "ja",
        "з": "s",
        "щ": "schtsch",
    },
}
for _habit, _changes in _HABIT_CHANGES.items():
    CYR_LATIN[_habit] = {**CYR_LATIN["common"], **_changes}
HABITS = list(CYR_LATIN)

_CYR_ARABIC = {
    "а": "ا",
    "б": "ب",
    "в": "ف",
    "г": "غ",
    "д": "د",
    "е": "ي",
    "ё": "يو",
    "ж": "ج",
    "з": "ز",
    "и": "ي",
    "й": "ي",
    "к": "ك",
    "л": "ل",
    "м": "م",
    "н": "ن",
    "о": "و",
    "п": "ب",
    "р": "ر",
    "с": "س",
    "т": "ت",
    "у": "و",
    "ф": "ف",
    "х": "خ",
    "ц": "تس",
    "ч": "تش",
    "ш": "ش",
    "щ": "ش",
    "ъ": "",
    "ы": "ي",
    "ь": "",
    "э": "ا",
    "ю": "يو",
    "я": "يا",
    "-": " ",
    " ": " ",
}


def latin(text: str, habit: str = "common") -> str:
    table = CYR_LATIN[habit]
    out = []
    for char in text:
        lower = char.lower()
        if lower in table:
            mapped = table[lower]
            out.append(mapped.capitalize() if char != lower and mapped else mapped)
        else:
            out.append(char)
    return "".join(out)


def arabic(text: str) -> str:
    """A clerk's Arabic spelling of a Cyrillic name (letters mapped, vowels written long)."""
    if text in ARABIC_GIVEN:
        return ARABIC_GIVEN[text]
    return "".join(_CYR_ARABIC.get(char.lower(), "") for char in text).strip()


def feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ин", "ёв")):
        return surname + "а"
    return surname


def patronymic(father: str, *, female: bool) -> str:
    ending = "на" if female else "ич"
    if father.endswith("а"):
        return f"{father[:-1]}аев{ending}"
    if father.endswith(("й", "ь")):
        return f"{father[:-1]}ев{ending}"
    return f"{father}ов{ending}"


def kunya_of_mother(son: str) -> str:
    return f"Умм {son}"


def kunya_of_father(son: str, region: str) -> str:
    return f"Абу {son} {NISBA[region]}"


def simple(text: str) -> str:
    """A comparison form for the avoid list: lower case, no accents, hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("-", " ").replace("'", "").split())


AVOID_SIMPLE = {simple(name) for name in AVOID}


def is_avoided(*parts: str) -> bool:
    """True when the parts (in either order) spell a well-known real person's name."""
    words = [p for p in parts if p]
    forward = simple(" ".join(words))
    backward = simple(" ".join(reversed(words)))
    return forward in AVOID_SIMPLE or backward in AVOID_SIMPLE
