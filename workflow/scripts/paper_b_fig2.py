import pandas as pd

from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import fig2_frame_rate

with snakemake_job(snakemake) as smk:
    fig2_frame_rate(pd.read_csv(smk.input.sweep), float(smk.params.frame_rate), smk.output[0])
