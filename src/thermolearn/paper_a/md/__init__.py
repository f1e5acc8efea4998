"""Molecular dynamics of soft disks in a box closed by a moving piston (Paper A)."""

from .engine import GasParams, MDState, Simulator, kinetic_energy, potential_energy, forces
from .initial import random_state

__all__ = [
    "GasParams", "MDState", "Simulator", "kinetic_energy", "potential_energy", "forces",
    "random_state",
]
