from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.evaluate import outputs_job

with snakemake_job(snakemake) as smk:
    outputs_job(smk.params.seed, smk.params.paper_b, smk.wildcards.source, smk.params.hidden,
                smk.input.runs, smk.input.weights, smk.output[0])
