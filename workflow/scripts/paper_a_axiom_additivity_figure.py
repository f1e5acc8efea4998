from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.figures import figure_additivity

with snakemake_job(snakemake) as smk:
    figure_additivity(smk.input.csv, smk.output.fig)
