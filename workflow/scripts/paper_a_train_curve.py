from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.siamese.plots import plot_training_curve_file

with snakemake_job(snakemake) as smk:
    plot_training_curve_file(smk.input.metrics, smk.output[0])
