from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.table import run_table

with snakemake_job(snakemake) as smk:
    csvs = {k: smk.input[k] for k in ("a1", "a3", "a4", "a5", "a6", "additivity", "canonical")}
    run_table(csvs, smk.params.a3, smk.params.seed, smk.output.csv, smk.output.md,
              smk.input.metrics)
