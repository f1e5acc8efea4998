"""Molecular dynamics of soft disks in a box closed by a moving piston (Paper A).

Modules (import them directly; this package imports none of them, so that importing one, e.g.
the pure :mod:`.protocol` for the process design, does not load the numba engine):

- :mod:`.engine`: the integrator (``GasParams``, ``MDState``, ``Simulator``, energies, forces);
- :mod:`.initial`: random initial states;
- :mod:`.protocol`: the piston schedule of a process (no integrator);
- :mod:`.process`: integrating a process through its schedule, recording its states;
- :mod:`.job`: the per-process MD artifact;
- :mod:`.relaxation`: the relaxation measurement behind ``t_eq`` and ``t_hold``;
- :mod:`.relaxation_figure`: its figure (reads the measurement's tables only).
"""
