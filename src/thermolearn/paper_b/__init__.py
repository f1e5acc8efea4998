"""Paper B (Lier 2025): hard disks, the H-functional and a DeepSets arrow-of-time model."""
