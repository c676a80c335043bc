"""The embedded default: a data generator and local simulators of the OfficeRnD and Visma APIs."""
