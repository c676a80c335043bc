"""The mapping file (OfficeRnD codes -> Visma accounts, articles, VAT codes, cost centers)."""

from ornd_visma.mapping.load import MappingError, load_mapping
from ornd_visma.mapping.model import (
    MATCH_KEYS,
    Accounts,
    Entity,
    FloorMap,
    InvoiceNumbers,
    LocationMap,
    Mapping,
    Numbering,
    RevenueRule,
    ReverseCharge,
    VatMap,
)

SANDBOX_MAPPING = __path__[0] + "/sandbox.yaml"

__all__ = [
    "MATCH_KEYS",
    "SANDBOX_MAPPING",
    "Accounts",
    "Entity",
    "FloorMap",
    "InvoiceNumbers",
    "LocationMap",
    "Mapping",
    "MappingError",
    "Numbering",
    "RevenueRule",
    "ReverseCharge",
    "VatMap",
    "load_mapping",
]
