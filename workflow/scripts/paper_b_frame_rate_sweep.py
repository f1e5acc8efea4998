from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.sweep import frame_rate_sweep

with snakemake_job(snakemake) as smk:
    write_csv(smk.output[0], frame_rate_sweep(smk.params.seed, smk.params.paper_b))
