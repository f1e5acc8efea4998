from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.render import states_table

with snakemake_job(snakemake) as smk:
    md_paths = dict(zip(smk.params.processes, smk.input.md))
    write_csv(smk.output[0], states_table(md_paths, smk.params.paper_a, smk.params.rows))
