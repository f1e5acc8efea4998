from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.jobs import run_canonical

with snakemake_job(snakemake) as smk:
    run_canonical(smk.input, smk.params.paper_a, smk.params.canonical, smk.output.csv,
                  smk.output.curve)
