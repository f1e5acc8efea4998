from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.entropy import run_fit_job

with snakemake_job(snakemake) as smk:
    run_fit_job(smk.input.scores, smk.params.R, smk.output.table, smk.output.states)
