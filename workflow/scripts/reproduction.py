from thermolearn.jobs import snakemake_job
from thermolearn.report.reproduction import run_reproduction

with snakemake_job(snakemake) as smk:
    table = run_reproduction(smk.input.metrics, smk.input.axioms, smk.input.table2,
                             smk.input.table3, smk.output.csv, smk.output.md, smk.params.preset,
                             smk.input.entropy_fit, smk.input.gaps,
                             smk.input.fidelity)
    print(table.to_string(index=False))
