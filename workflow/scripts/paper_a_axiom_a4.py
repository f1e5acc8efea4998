from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.jobs import run_a4

with snakemake_job(snakemake) as smk:
    run_a4(smk.input, smk.params.paper_a, smk.params.a4, smk.params.seed, smk.output.csv,
           smk.output.example)
