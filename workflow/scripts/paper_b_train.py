from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.train import train_job

with snakemake_job(snakemake) as smk:
    train_job(smk.params.seed, smk.params.paper_b, int(smk.wildcards.hidden), smk.input.runs,
              smk.output.weights, smk.output.log, smk.params.checkpoint)
