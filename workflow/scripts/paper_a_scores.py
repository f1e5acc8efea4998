from pathlib import Path

from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.siamese.infer import run_scores_job

with snakemake_job(snakemake) as smk:
    p = smk.params
    run_scores_job(smk.input.model, smk.input.states, {Path(f).stem: f for f in smk.input.images},
                   p.size, p.n_frames, p.device, p.batch_size, smk.output[0])
