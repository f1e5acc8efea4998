from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.render import render_process

with snakemake_job(snakemake) as smk:
    render_process(smk.input.md, smk.output.images, smk.params.paper_a, smk.params.row)
