"""Names, addresses and registration numbers of a Swedish coworking community."""

import random

FIRST_NAMES = [
    "Anna",
    "Eva",
    "Maria",
    "Karin",
    "Sara",
    "Emma",
    "Lena",
    "Kerstin",
    "Ingrid",
    "Sofia",
    "Elin",
    "Ida",
    "Hanna",
    "Johanna",
    "Maja",
    "Linnea",
    "Erik",
    "Lars",
    "Karl",
    "Anders",
    "Johan",
    "Per",
    "Nils",
    "Mikael",
    "Jan",
    "Hans",
    "Oskar",
    "Lukas",
    "Viktor",
    "Gustav",
    "Axel",
    "Emil",
    "Amir",
    "Fatima",
    "Ali",
    "Yasmin",
    "Noah",
    "Leila",
    "Omar",
    "Aisha",
    "Mehmet",
    "Zeynep",
    "Wei",
    "Mei",
    "Arjun",
    "Priya",
    "Olga",
    "Dmitri",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Jönsson",
    "Lindberg",
    "Jakobsson",
    "Magnusson",
    "Lindström",
    "Olofsson",
    "Lindqvist",
    "Lindgren",
    "Berg",
    "Axelsson",
    "Bergström",
    "Lundberg",
    "Lind",
    "Lundgren",
    "Lundqvist",
    "Mattsson",
    "Berglund",
    "Fredriksson",
    "Sandberg",
    "Henriksson",
    "Forsberg",
    "Sjöberg",
    "Wallin",
    "Engström",
    "Eklund",
    "Danielsson",
    "Håkansson",
    "Lundin",
    "Björk",
    "Bergman",
    "Gunnarsson",
    "Holm",
    "Wikström",
    "Samuelsson",
    "Isaksson",
    "Fransson",
    "Nyström",
    "Yilmaz",
    "Ahmadi",
    "Hosseini",
    "Nguyen",
    "Kowalski",
    "Novak",
]
COMPANY_WORDS = [
    "Nordljus",
    "Fjällbris",
    "Havsvik",
    "Stensund",
    "Granskog",
    "Björkdal",
    "Solvik",
    "Ekhaga",
    "Lövsta",
    "Tallbacka",
    "Sjöglimt",
    "Molnbyrån",
    "Kodverket",
    "Pixelhuset",
    "Ritkontoret",
    "Idélabbet",
    "Brobyggarna",
    "Vindkraft",
    "Stadsodlarna",
    "Kaffekollektivet",
    "Formgivarna",
    "Siffermakarna",
    "Ordsmedjan",
    "Byggkraft",
    "Ljudverket",
    "Datahamnen",
    "Norrsken",
    "Polstjärnan",
    "Vågbrytaren",
    "Skärgårdsdata",
    "Fyrljus",
    "Kompassen",
    "Räknestickan",
    "Tidvatten",
]
COMPANY_TRADES = [
    "Design",
    "Konsult",
    "Digital",
    "Arkitekter",
    "Redovisning",
    "Media",
    "Analys",
    "Studio",
    "Teknik",
    "Juridik",
    "Kommunikation",
    "Utveckling",
    "Innovation",
    "Rådgivning",
    "Film",
    "Ljud",
    "Marknad",
]
STREETS = (
    "Götgatan",
    "Drottninggatan",
    "Vasagatan",
    "Kungsgatan",
    "Sveavägen",
    "Storgatan",
    "Hamngatan",
    "Torggatan",
    "Skeppsbron",
    "Södra Förstadsgatan",
    "Östra Hamngatan",
    "Stora Nygatan",
    "Kyrkogatan",
)

# EU customers: country code, legal suffix, VAT number maker, city, names.
EU_COUNTRIES = (
    ("DE", "GmbH", "Berlin", ("Müller", "Schmidt", "Schneider", "Fischer", "Weber")),
    ("FI", "Oy", "Helsinki", ("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen")),
    ("DK", "ApS", "København", ("Jensen", "Nielsen", "Hansen", "Pedersen", "Sørensen")),
    ("NL", "B.V.", "Amsterdam", ("de Vries", "Jansen", "van Dijk", "Bakker", "Visser")),
    ("FR", "SAS", "Paris", ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau")),
)


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit Swedish organisation numbers end with."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def org_number(rng: random.Random) -> str:
    """A valid-looking aktiebolag number, e.g. `556123-4567`."""
    body = "559" + "".join(str(rng.randint(0, 9)) for _ in range(6))
    digits = body + str(luhn_check_digit(body))
    return f"{digits[:6]}-{digits[6:]}"


def swedish_vat_number(registration_number: str) -> str:
    """`SE` + the organisation number's ten digits + `01`."""
    return f"SE{registration_number.replace('-', '')}01"


def eu_vat_number(rng: random.Random, country: str) -> str:
    def digits(n: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(n))

    return {
        "DE": lambda: f"DE{digits(9)}",
        "FI": lambda: f"FI{digits(8)}",
        "DK": lambda: f"DK{digits(8)}",
        "NL": lambda: f"NL{digits(9)}B01",
        "FR": lambda: f"FR{digits(11)}",
    }[country]()


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_for(name: str, domain: str) -> str:
    table = str.maketrans("åäöéüøæ", "aaoeuoa")
    local = ".".join(name.lower().translate(table).split())
    return f"{local}@{domain}"


def street_address(rng: random.Random) -> str:
    return f"{rng.choice(STREETS)} {rng.randint(1, 80)}"
