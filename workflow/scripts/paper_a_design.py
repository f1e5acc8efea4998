from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.design import make_design

with snakemake_job(snakemake) as smk:
    config = {"seed": smk.params.seed, "paper_a": smk.params.paper_a}
    write_csv(smk.output[0], make_design(config))
