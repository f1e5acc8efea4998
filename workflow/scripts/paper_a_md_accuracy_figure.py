import pandas as pd

from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md.accuracy_figure import plot_accuracy

with snakemake_job(snakemake) as smk:
    plot_accuracy(pd.read_csv(smk.input.summary), pd.read_csv(smk.input.trace),
                  pd.read_csv(smk.input.fidelity), smk.output[0])
