from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.reruns import run_a5_job

with snakemake_job(snakemake) as smk:
    run_a5_job(smk.params.paper_a, smk.params.seed, smk.params.row, smk.input.md, smk.output[0])
