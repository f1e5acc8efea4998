"""Paper A (Kuroyanagi & Yuge 2025): piston gas, images, siamese CNN, Lieb-Yngvason axioms."""
