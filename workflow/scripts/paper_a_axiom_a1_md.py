from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.reruns import run_a1_md

with snakemake_job(snakemake) as smk:
    run_a1_md(smk.params.paper_a, smk.params.seed, smk.params.row, smk.output[0])
