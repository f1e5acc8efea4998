from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.figures import figure_a1

with snakemake_job(snakemake) as smk:
    figure_a1(smk.input.csv, smk.output.fig)
