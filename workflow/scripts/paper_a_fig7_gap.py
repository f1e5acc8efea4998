from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.entropy_figures import run_gap_figure_job

with snakemake_job(snakemake) as smk:
    run_gap_figure_job(smk.input.table, smk.output[0])
