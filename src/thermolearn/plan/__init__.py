"""The cost plan of a run: jobs per rule, CPU/GPU hours, disk and memory, before anything runs.

:mod:`.model` turns a config into per-job work units (sizes from the design and the protocol)
and, with the measured throughputs of :mod:`.calibration` (``calibration.yaml``), into seconds,
peak memory and disk; ``thermolearn plan`` prints it and the rules take their SLURM ``runtime``
and ``mem_mb`` from it (``workflow/rules/common.smk``).
"""
