"""Dagster resources: the side effects of the pipeline (OfficeRnD API, warehouse)."""

from resources.mapping import MappingResource, mapping_resource
from resources.officernd import OfficeRnDResource, officernd_resource
from resources.visma import VismaResource, visma_resource
from resources.warehouse import warehouse_resource

__all__ = [
    "MappingResource",
    "OfficeRnDResource",
    "VismaResource",
    "build_resources",
    "mapping_resource",
    "officernd_resource",
    "visma_resource",
    "warehouse_resource",
]


def build_resources() -> dict:
    """The resources of the code location, from the environment (sandbox when unset)."""
    return {
        "officernd": officernd_resource(),
        "warehouse": warehouse_resource(),
        "mapping": mapping_resource(),
        "visma": visma_resource(),
    }
