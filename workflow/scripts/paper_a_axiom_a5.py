from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.jobs import run_a5

with snakemake_job(snakemake) as smk:
    run_a5(smk.input, smk.params.paper_a, smk.output.csv)
