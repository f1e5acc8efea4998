from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import fig3_from_runs

with snakemake_job(snakemake) as smk:
    fig3_from_runs(smk.params.seed, smk.params.paper_b, smk.input.runs, smk.output[0])
