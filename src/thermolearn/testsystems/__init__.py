"""Analytic test systems the tests share (as ``pymbar.testsystems``): small systems whose answer
is known in closed form or by construction, so a test compares the project's code against it.

Modules (import the one you need; each loads only what its systems use):

- :mod:`.disks`: two-disk collisions of both engines (Paper A's soft disks, Paper B's hard
  disks) and their deflection angles from the scattering integral.
- :mod:`.vdw`: tables of states of the 2D van der Waals gas whose entropy S_vdW is known: drawn
  at random, or placed at a given S_vdW.
- :mod:`.images`: siamese training data with a learnable arrow of time (later states hold more
  lit pixels).
"""
