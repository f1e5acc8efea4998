from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.figures import figure_a6

with snakemake_job(snakemake) as smk:
    figure_a6(smk.input.csv, smk.input.example, smk.output.fig)
