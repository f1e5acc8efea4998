import pandas as pd

from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md.accuracy import design_fidelity

with snakemake_job(snakemake) as smk:
    table = design_fidelity(list(smk.input.md), pd.read_csv(smk.input.design))
    print(table.describe().to_string())
    write_csv(smk.output.table, table)
