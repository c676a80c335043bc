"""Validation of OfficeRnD records before they reach the books (no Dagster here).

`validate(collection, records, references)` splits records into valid rows (typed columns +
the original `payload`) and quarantined rows (check, value, reason). The typed columns come
from `columns.COLUMNS`, which also gives the staging DDL (`ddl`).
"""

from ornd_visma.validation.columns import COLUMNS, TYPED_COLUMNS, ddl
from ornd_visma.validation.references import References
from ornd_visma.validation.validate import ValidationResult, reference_kinds, schema, validate

__all__ = [
    "COLUMNS",
    "TYPED_COLUMNS",
    "References",
    "ValidationResult",
    "ddl",
    "reference_kinds",
    "schema",
    "validate",
]
