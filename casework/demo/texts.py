"""Families' accounts in their own words (Russian or English), and other invented free text."""

RU_MONTHS = [
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

# Placeholders: {mother} {children} {left_year} {month} {year} {place} {grandchild} {born_month}
ACCOUNTS_RU = [
    "Моя дочь {mother} уехала в {left_year} году, сказала, что едет учиться в Турцию. Потом "
    "позвонила уже из Сирии. Там у неё родились дети: {children}. Последнее голосовое сообщение "
    "было в {month} {year} года, она говорила, что они в {place}. Очень просим помочь найти их и "
    "вернуть домой.",
    "Пишу о своей сестре {mother} и её детях ({children}). В {left_year} году она с мужем уехала "
    "в Сирию. В {month} {year} года знакомая женщина, которая вернулась, сказала, что видела её "
    "в {place}. С тех пор никаких известий. Готовы сдать ДНК.",
    "Мой внук {grandchild} родился в Сирии в {born_month}. Его мать, моя невестка {mother}, "
    "по слухам находится в {place}. Отец ребёнка погиб. Прошу помочь вернуть внука, у нас есть "
    "все документы о родстве.",
    "Здравствуйте. Ищу дочь {mother} и внуков: {children}. В {month} {year} года пришло письмо "
    "через Красный Крест, что они живы и находятся в {place}. Дети говорят только по-чеченски "
    "и по-арабски. Согласна, чтобы данные передали властям, если это поможет.",
    "Мы не знаем, где сейчас {mother}. В {left_year} году она уехала, с {year} года связи нет. "
    "Видели фото детей в интернете, похоже на {children}. Пожалуйста, проверьте.",
]
ACCOUNTS_EN = [
    "My daughter {mother} left in {left_year}, saying she was going to study in Turkey. The next "
    "call came from Syria. Her children were born there: {children}. The last voice message came "
    "in {month} {year}; she said they were in {place}. Please help us find them and bring them "
    "home.",
    "I am writing about my sister {mother} and her children ({children}). She left for Syria with "
    "her husband in {left_year}. In {month} {year} a woman who came back told us she had seen her "
    "in {place}. Nothing since then. We are ready to give DNA samples.",
    "My grandson {grandchild} was born in Syria in {born_month}. His mother, my daughter-in-law "
    "{mother}, is said to be held in {place}. The boy's father was killed. Please help bring my "
    "grandson home; we have papers proving we are his family.",
    "Hello. I am looking for my daughter {mother} and my grandchildren: {children}. In {month} "
    "{year} a Red Cross message said they were alive and in {place}. The children speak only "
    "Chechen and Arabic.",
    "We do not know where {mother} is now. She left in {left_year} and we have had no contact "
    "since {year}. We saw photos of children online who look like {children}. Please check.",
]
ENTRY_DESCRIPTIONS_RU = [
    "Шрам над левой бровью.",
    "Маленького роста, плохо слышит на одно ухо.",
    "Родимое пятно на шее.",
    "На фото 2017 года в зелёном платке.",
    "",
    "",
]
ENTRY_DESCRIPTIONS_EN = [
    "Scar above the left eyebrow.",
    "Small for her age; hard of hearing in one ear.",
    "Birthmark on the neck.",
    "Wears glasses in the last photo (2018).",
    "",
    "",
]
CHARGES = [
    ("Membership of a terrorist organisation (Anti-Terrorism Law, art. 4)", "IQ"),
    ("Illegal entry into Iraq", "IQ"),
    ("Support to a terrorist organisation (Anti-Terrorism Law, art. 4)", "IQ"),
    ("Participation in an armed group (Criminal Code of the RF, art. 208 part 2)", "RU"),
]
COURTS = {
    "IQ": ["Central Criminal Court of Iraq, Baghdad", "Nineveh Criminal Court, Tel Keif"],
    "RU": ["North Caucasus District Military Court, Rostov-on-Don"],
}
SENTENCES = [
    "life imprisonment (20 years)",
    "15 years",
    "7 years",
    "1 year for illegal entry, then deportation",
    "suspended sentence",
]
SECURITY_NOTES = [
    "Relatives in the home region are under pressure; never call the family's landline.",
    "Husband's relatives claim custody; share nothing with them.",
    "Mother cooperates with an investigation; her whereabouts are restricted.",
    "Threats received after a media report; do not confirm anything to journalists.",
]
VULNERABILITIES = [
    "unaccompanied minor",
    "chronic illness",
    "malnutrition",
    "war injury",
    "trauma",
    "disability",
    "pregnant",
]
SIGHTING_NOTES = [
    "Voice message forwarded by the sister; background noise matches the camp's phase 5 market.",
    "Seen at the distribution point by a woman who returned on an earlier flight.",
    "Name read out in a list shared by the camp administration.",
    "Letter through the Red Cross messages service.",
    "",
]
