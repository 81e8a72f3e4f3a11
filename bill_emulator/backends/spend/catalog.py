"""Seed vocabulary for Spend & Expense: budgets, merchants (with category codes and places) and custom fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Merchant:
    name: str
    raw: str  # the card network descriptor
    mcc: str
    category: str  # value of the "Category" custom field
    city: str
    state: str
    postal: str
    online: bool
    low: float
    high: float


@dataclass(frozen=True)
class BudgetPlan:
    name: str
    interval: str
    limit: float
    spends_on: tuple[str, ...]  # merchant groups
    group: bool = False
    child_of: int | None = None
    recur_month: int | None = None
    retired: bool = False
    receipt_required: bool = False
    default: bool = False


MERCHANTS: dict[str, tuple[Merchant, ...]] = {
    "travel": (
        Merchant(
            "Delta Air Lines", "DELTA AIR 0062341", "3058", "Travel", "Atlanta", "GA", "30320", True, 120, 950
        ),
        Merchant(
            "United Airlines", "UNITED 0162", "3000", "Travel", "Chicago", "IL", "60606", True, 110, 900
        ),
        Merchant(
            "Marriott", "MARRIOTT DENVER DTWN", "3509", "Lodging", "Denver", "CO", "80202", False, 140, 780
        ),
        Merchant(
            "Hilton", "HILTON HOTELS AUSTIN", "3504", "Lodging", "Austin", "TX", "78701", False, 130, 720
        ),
        Merchant(
            "Uber", "UBER *TRIP", "4121", "Ground transport", "San Francisco", "CA", "94103", True, 9, 85
        ),
        Merchant(
            "Lyft",
            "LYFT *RIDE THU 7PM",
            "4121",
            "Ground transport",
            "San Francisco",
            "CA",
            "94107",
            True,
            8,
            70,
        ),
        Merchant(
            "Hertz", "HERTZ RENT-A-CAR", "3357", "Ground transport", "Boston", "MA", "02128", False, 60, 420
        ),
        Merchant(
            "Shell", "SHELL OIL 57444", "5541", "Ground transport", "Portland", "OR", "97204", False, 25, 90
        ),
    ),
    "software": (
        Merchant(
            "Amazon Web Services", "AWS EMEA", "4816", "Software", "Seattle", "WA", "98109", True, 40, 2400
        ),
        Merchant(
            "Slack", "SLACK T0123ABC", "5734", "Software", "San Francisco", "CA", "94105", True, 70, 640
        ),
        Merchant(
            "Zoom", "ZOOM.US 888-799-9666", "4899", "Software", "San Jose", "CA", "95113", True, 15, 300
        ),
        Merchant(
            "Adobe", "ADOBE *CREATIVE CLD", "5734", "Software", "San Jose", "CA", "95110", True, 55, 420
        ),
        Merchant("GitHub", "GITHUB, INC.", "5734", "Software", "San Francisco", "CA", "94107", True, 21, 500),
        Merchant("Figma", "FIGMA MONTHLY", "5734", "Software", "San Francisco", "CA", "94107", True, 15, 225),
    ),
    "meals": (
        Merchant(
            "Starbucks", "STARBUCKS STORE 10288", "5814", "Meals", "Seattle", "WA", "98101", False, 4, 45
        ),
        Merchant("Chipotle", "CHIPOTLE 1187", "5814", "Meals", "Denver", "CO", "80205", False, 9, 160),
        Merchant("Sweetgreen", "SWEETGREEN BOSTON", "5814", "Meals", "Boston", "MA", "02110", False, 12, 140),
        Merchant(
            "DoorDash",
            "DD *DOORDASH TEAMLUNCH",
            "5812",
            "Meals",
            "San Francisco",
            "CA",
            "94107",
            True,
            35,
            420,
        ),
    ),
    "supplies": (
        Merchant("Staples", "STAPLES 00115", "5943", "Supplies", "Chicago", "IL", "60601", False, 8, 350),
        Merchant(
            "Office Depot", "OFFICE DEPOT #2134", "5943", "Supplies", "Atlanta", "GA", "30303", False, 10, 300
        ),
        Merchant("Amazon", "AMZN MKTP US*2K4", "5942", "Supplies", "Seattle", "WA", "98109", True, 12, 480),
        Merchant("FedEx", "FEDEX 78412345", "4215", "Supplies", "Memphis", "TN", "38118", False, 14, 160),
        Merchant(
            "Home Depot", "THE HOME DEPOT #4701", "5200", "Supplies", "Austin", "TX", "78745", False, 20, 600
        ),
    ),
    "marketing": (
        Merchant(
            "Meta Ads", "FACEBK *ADS 7Q2", "7311", "Advertising", "Menlo Park", "CA", "94025", True, 50, 2500
        ),
        Merchant(
            "Google Ads",
            "GOOGLE *ADS8842",
            "7311",
            "Advertising",
            "Mountain View",
            "CA",
            "94043",
            True,
            50,
            3000,
        ),
        Merchant(
            "LinkedIn", "LINKEDIN-P 3391", "7311", "Advertising", "Sunnyvale", "CA", "94085", True, 40, 1800
        ),
        Merchant(
            "Eventbrite",
            "EB *SAAS SUMMIT",
            "7922",
            "Entertainment",
            "San Francisco",
            "CA",
            "94103",
            True,
            45,
            1200,
        ),
        Merchant(
            "Vistaprint", "VISTAPRINT.COM", "7333", "Advertising", "Lexington", "MA", "02421", True, 25, 600
        ),
    ),
    "entertainment": (
        Merchant(
            "The Capital Grille",
            "CAPITAL GRILLE 8021",
            "5812",
            "Entertainment",
            "Boston",
            "MA",
            "02116",
            False,
            90,
            900,
        ),
        Merchant(
            "OpenTable",
            "OPENTABLE DEPOSIT",
            "5812",
            "Entertainment",
            "San Francisco",
            "CA",
            "94104",
            True,
            25,
            250,
        ),
        Merchant(
            "Topgolf", "TOPGOLF AUSTIN", "7999", "Entertainment", "Austin", "TX", "78702", False, 120, 1100
        ),
    ),
}

BUDGETS: tuple[BudgetPlan, ...] = (
    BudgetPlan("Company operations", "MONTHLY", 60000.0, (), group=True),
    BudgetPlan(
        "Travel & lodging", "MONTHLY", 20000.0, ("travel", "meals"), child_of=0, receipt_required=True
    ),
    BudgetPlan("Software subscriptions", "MONTHLY", 9000.0, ("software",), child_of=0),
    BudgetPlan("Team meals", "MONTHLY", 3000.0, ("meals",)),
    BudgetPlan("Office supplies", "MONTHLY", 2500.0, ("supplies",), default=True),
    BudgetPlan("Marketing events", "QUARTERLY", 30000.0, ("marketing",), recur_month=1),
    BudgetPlan("Client entertainment", "YEARLY", 12000.0, ("entertainment", "meals"), recur_month=1),
    BudgetPlan("Offsite 2025", "NONE", 15000.0, ("travel", "meals", "entertainment"), retired=True),
)

# Vendor cards: (card name, budget index, merchant name)
VENDOR_CARDS: tuple[tuple[str, int, str], ...] = (
    ("AWS production", 2, "Amazon Web Services"),
    ("Slack workspace", 2, "Slack"),
    ("Zoom licenses", 2, "Zoom"),
    ("Adobe Creative Cloud", 2, "Adobe"),
    ("GitHub seats", 2, "GitHub"),
    ("Figma team", 2, "Figma"),
    ("Google Ads", 5, "Google Ads"),
    ("Meta Ads", 5, "Meta Ads"),
    ("LinkedIn campaigns", 5, "LinkedIn"),
    ("Event tickets", 5, "Eventbrite"),
    ("Team lunch orders", 3, "DoorDash"),
    ("Office restock", 4, "Amazon"),
    ("Shipping", 4, "FedEx"),
    ("Offsite venue", 7, "Topgolf"),
)

CATEGORIES = (
    "Travel",
    "Lodging",
    "Ground transport",
    "Meals",
    "Software",
    "Supplies",
    "Advertising",
    "Entertainment",
)
PROJECTS = ("Apollo", "Borealis", "Cascade", "Delta launch", "Legacy migration")
CLIENTS = ("Northwind Traders", "Blue Harbor Foods", "Summit Analytics", "Juniper Health")
DECLINE_REASONS = (
    ("Transaction exceeds the available budget funds", "INSUFFICIENT_FUNDS"),
    ("Card is frozen", "CARD_FROZEN"),
    ("Merchant category is blocked for this budget", "MCC_BLOCKED"),
    ("Transaction exceeds the budget's maximum transaction size", "MAX_TX_SIZE"),
    ("Incorrect CVV", "INVALID_CVV"),
)
FOREIGN = (("EUR", "€", 1.0874), ("GBP", "£", 1.2712), ("CAD", "CA$", 0.7331))


def merchant_named(name: str) -> Merchant:
    return next(m for group in MERCHANTS.values() for m in group if m.name == name)
