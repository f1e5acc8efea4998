"""Paper A's published numbers (Kuroyanagi & Yuge 2025), in one place; docs/spec.md quotes
them with their sections."""

TEST = {"loss": 0.1041, "accuracy": 0.9534}  # Sec. III B: the test set's loss and pair accuracy

AXIOMS = {  # Sec. IV: R^2 of each axiom test (additivity: Fig. 8)
    "A1": 0.9951, "A3": 0.9995, "A4": 0.9417, "A5_split_vs_X": 0.9949,
    "A5_split_vs_recomb": 0.9946, "additivity": 0.9766,
}
