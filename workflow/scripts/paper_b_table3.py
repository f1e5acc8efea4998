from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.evaluate import table3

with snakemake_job(snakemake) as smk:
    table3(smk.params.seed, smk.params.paper_b, smk.input.runs, smk.input.outputs, smk.output[0])
