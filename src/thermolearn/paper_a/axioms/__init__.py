"""Paper A, Sec. IV: the Lieb-Yngvason axioms A1-A6, additivity and the canonical entropy of the
order ``X <_DNN Y`` iff ``S~(X) <= S~(Y)`` induced by the trained siamese network.

- :mod:`.constructions`: compound, scaled (masked) and embedded images; disk-count variants.
- :mod:`.reruns`: new MD: A1 reruns from a new seed, A5 splitting and recombination.
- :mod:`.data`: the test states, their images, and scoring constructed images.
- :mod:`.analyses`: each axiom's numbers from its per-sample table.
- :mod:`.canonical`: the canonical entropy of Eq. (1).
- :mod:`.jobs`, :mod:`.figures`, :mod:`.table`: the rules, their figures, the axioms table.
- :mod:`.checks`: config rules of ``paper_a.axioms``.

See ``docs/axioms.md`` for the choices the paper leaves open.
"""
