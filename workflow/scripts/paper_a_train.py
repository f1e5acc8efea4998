from pathlib import Path

from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.siamese.train import run_training_job

with snakemake_job(snakemake) as smk:
    p = smk.params
    run_training_job(p.train, p.seed, p.size, p.n_frames, smk.input.states,
                     {Path(f).stem: f for f in smk.input.images}, smk.output.model,
                     smk.output.metrics, Path(smk.output.model).parent / "checkpoint.pt",
                     smk.input.design)
