from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.jobs import run_a1

with snakemake_job(snakemake) as smk:
    run_a1(smk.input, smk.params.paper_a, smk.output.csv)
