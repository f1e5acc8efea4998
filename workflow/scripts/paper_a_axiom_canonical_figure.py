from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.figures import figure_canonical

with snakemake_job(snakemake) as smk:
    figure_canonical(smk.input.csv, smk.input.curve, smk.output.fig)
