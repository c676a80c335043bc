"""A faithful local simulator of the OfficeRnD Flex API v2 (identity host included)."""

from ornd_visma.sandbox.officernd.app import create_officernd_app
from ornd_visma.sandbox.officernd.options import OfficeRnDOptions
from ornd_visma.sandbox.officernd.simulator import Simulator
from ornd_visma.sandbox.officernd.store import Store

__all__ = ["OfficeRnDOptions", "Simulator", "Store", "create_officernd_app"]
