from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.evaluate import table2

with snakemake_job(snakemake) as smk:
    table2(smk.input.logs, smk.params.hidden, smk.input.ref_log, smk.output[0])
