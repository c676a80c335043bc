"""ornd-visma: a one-way OfficeRnD Flex -> Visma eAccounting pipeline.

The package `ornd_visma` is the core: API clients, accounting rules, warehouse SQL, the sandbox
(data generator and API simulators) and the CLI. It imports no Dagster, except
`ornd_visma.definitions`, which wires the core, `assets/` and `resources/` into one Dagster
code location.
"""

__version__ = "0.1.0"
