from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.jobs import run_additivity

with snakemake_job(snakemake) as smk:
    run_additivity(smk.input, smk.params.paper_a, smk.params.additivity, smk.params.seed,
                   smk.output.csv)
