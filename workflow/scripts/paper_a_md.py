from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md.job import run_md_job

with snakemake_job(snakemake) as smk:
    run_md_job(smk.params.paper_a, smk.params.row, smk.output[0])
