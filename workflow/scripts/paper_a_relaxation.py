from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md import relaxation

with snakemake_job(snakemake) as smk:
    table = relaxation.measure(smk.params.paper_a, smk.params.seed)
    times = relaxation.relaxation_times(table)
    print(times.to_string(index=False))
    write_csv(smk.output.table, table)
    write_csv(smk.output.times, times)
