from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.figures import figure_a3

with snakemake_job(snakemake) as smk:
    figure_a3(smk.input.csv, smk.input.example, smk.params.a3, smk.params.seed, smk.output.fig)
