from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.evaluate import arrow_ratio_table

with snakemake_job(snakemake) as smk:
    arrow_ratio_table(smk.input.logs, smk.params.hidden, smk.input.ref_log, smk.output[0])
