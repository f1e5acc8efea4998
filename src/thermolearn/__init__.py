"""thermolearn: neural networks that learn thermodynamics from microscopic dynamics.

Paper A (Kuroyanagi & Yuge 2025): piston-driven soft-disk gas, siamese CNN, Lieb-Yngvason axioms.
Paper B (Lier 2025): hard-disk relaxation, Boltzmann H-functional, DeepSets arrow-of-time loss.
"""

__version__ = "0.1.0"
