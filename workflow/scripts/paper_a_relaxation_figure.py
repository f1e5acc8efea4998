import pandas as pd

from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md.relaxation_figure import plot_relaxation

with snakemake_job(snakemake) as smk:
    plot_relaxation(pd.read_csv(smk.input.table), pd.read_csv(smk.input.times),
                    smk.params.paper_a, smk.output[0])
