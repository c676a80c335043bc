"""The DuckDB warehouse: schemas, the raw landing tables and the extraction state.

Layers: `raw` (records as OfficeRnD returned them) → `staging` (validated) + `quarantine`
(rejected, with the reason) → `core` → `marts` → `posting`. Core functions take a DuckDB
connection; Dagster assets hand them one from the warehouse resource.
"""
