from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.axioms.reruns import render_a1

with snakemake_job(snakemake) as smk:
    render_a1(smk.input.md, smk.output.images, smk.params.paper_a, smk.params.seed,
              smk.params.row)
