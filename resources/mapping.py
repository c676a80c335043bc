"""The mapping file (`ORND_VISMA_MAPPING`, default the sandbox operator's example)."""

import dagster as dg

from ornd_visma.config import mapping_path
from ornd_visma.mapping import Mapping, load_mapping


class MappingResource(dg.ConfigurableResource):
    """Where the mapping file is; loaded (and validated) when a step asks for it."""

    path: str

    def load(self) -> Mapping:
        return load_mapping(self.path)


def mapping_resource() -> MappingResource:
    return MappingResource(path=str(mapping_path()))
