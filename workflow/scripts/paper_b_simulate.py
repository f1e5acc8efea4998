from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.runs import simulate_file

with snakemake_job(snakemake) as smk:
    simulate_file(smk.params.seed, smk.params.paper_b, int(smk.wildcards.block), smk.output[0])
