from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import arrow_ratio_from_file

with snakemake_job(snakemake) as smk:
    arrow_ratio_from_file(smk.input.curves, smk.output[0])
