from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.entropy import run_gap_job

with snakemake_job(snakemake) as smk:
    run_gap_job(smk.input.scores, smk.params.R, smk.output.table)
