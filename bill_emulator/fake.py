"""Deterministic, realistic values for seeded data: names, addresses, money and dates."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from bill_emulator.timefmt import format_date, format_timestamp

_FIRST = (
    "Ann",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Luis",
    "Maya",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Yara",
)
_LAST = (
    "Lee",
    "Garcia",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Rossi",
    "Kim",
    "Patel",
    "Silva",
    "Cohen",
    "Dubois",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Khan",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Olsen",
    "Park",
)
_COMPANY_A = (
    "Acme",
    "Blue Harbor",
    "Cedar",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Harbor Point",
    "Ironclad",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "Northwind",
    "Oakridge",
    "Pinecrest",
    "Quarry",
    "Riverbend",
    "Summit",
    "Tidewater",
    "Union",
    "Vista",
    "Willow",
    "Zephyr",
)
_COMPANY_B = (
    "Supply",
    "Logistics",
    "Studios",
    "Foods",
    "Analytics",
    "Dental",
    "Builders",
    "Coffee",
    "Consulting",
    "Labs",
    "Outfitters",
    "Print",
    "Motors",
    "Health",
    "Media",
    "Farms",
)
_SUFFIX = ("Inc.", "LLC", "Co.", "Corp.", "Ltd.")
_STREETS = ("Main St", "Oak Ave", "Market St", "2nd St", "Elm St", "Harbor Blvd", "Pine Rd", "Mission St")
_CITIES = (
    ("Austin", "TX", "787"),
    ("Denver", "CO", "802"),
    ("Portland", "OR", "972"),
    ("Boston", "MA", "021"),
    ("Chicago", "IL", "606"),
    ("Seattle", "WA", "981"),
    ("Atlanta", "GA", "303"),
    ("San Jose", "CA", "951"),
)
_PRODUCTS = (
    "Consulting hours",
    "Annual support plan",
    "Widget, large",
    "Installation",
    "Training session",
    "Monthly subscription",
    "Replacement parts",
    "Design work",
    "Shipping and handling",
    "Audit services",
)
_MERCHANTS = (
    "Delta Air Lines",
    "Uber",
    "Amazon Web Services",
    "Staples",
    "Starbucks",
    "Marriott",
    "Zoom",
    "Home Depot",
    "FedEx",
    "Shell",
    "Hilton",
    "Lyft",
    "Slack",
    "Office Depot",
    "Chipotle",
)


class Fake:
    """A seeded source of plausible business data."""

    def __init__(self, seed: int | str) -> None:
        self.rng = random.Random(f"fake-{seed}")

    def choice(self, options):  # type: ignore[no-untyped-def]
        return self.rng.choice(options)

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def first_name(self) -> str:
        return self.rng.choice(_FIRST)

    def last_name(self) -> str:
        return self.rng.choice(_LAST)

    def company(self) -> str:
        return f"{self.rng.choice(_COMPANY_A)} {self.rng.choice(_COMPANY_B)} {self.rng.choice(_SUFFIX)}"

    def merchant(self) -> str:
        return self.rng.choice(_MERCHANTS)

    def product(self) -> str:
        return self.rng.choice(_PRODUCTS)

    def slug(self, text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())[:24] or "company"

    def email(self, local: str, company: str) -> str:
        return f"{self.slug(local)}@{self.slug(company)}.example"

    def phone(self) -> str:
        return f"555{self.rng.randint(1000000, 9999999)}"

    def address(self) -> dict[str, str]:
        city, state, zip_prefix = self.rng.choice(_CITIES)
        return {
            "line1": f"{self.rng.randint(1, 9999)} {self.rng.choice(_STREETS)}",
            "line2": self.rng.choice(("", "", f"Suite {self.rng.randint(100, 999)}")),
            "city": city,
            "stateOrProvince": state,
            "zipOrPostalCode": f"{zip_prefix}{self.rng.randint(10, 99)}",
            "country": "US",
            "countryName": "United States",
        }

    def money(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 2)

    def digits(self, count: int) -> str:
        return "".join(str(self.rng.randint(0, 9)) for _ in range(count))

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        span = max((end - start).total_seconds(), 0.0)
        moment = start + timedelta(seconds=self.rng.uniform(0, span))
        return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)

    def timestamp_between(self, start: datetime, end: datetime) -> str:
        return format_timestamp(self.moment_between(start, end))

    def date_after(self, day: date | datetime, low_days: int, high_days: int) -> str:
        base = day.date() if isinstance(day, datetime) else day
        return format_date(base + timedelta(days=self.rng.randint(low_days, high_days)))


def parse_timestamp(text: str) -> datetime:
    """Parse a stored BILL timestamp back into an aware datetime."""
    return datetime.fromisoformat(text).astimezone(timezone.utc)
