from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.entropy import run_fig7_job

with snakemake_job(snakemake) as smk:
    run_fig7_job(smk.input.scores, smk.params.R, smk.output.fig, smk.output.table)
