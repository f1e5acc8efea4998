from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.entropy_figures import run_fig7_figure_job

with snakemake_job(snakemake) as smk:
    run_fig7_figure_job(smk.input.states, smk.input.fits, smk.output[0])
