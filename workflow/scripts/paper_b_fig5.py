from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import fig5_from_files

with snakemake_job(snakemake) as smk:
    fig5_from_files(smk.params.seed, smk.params.paper_b, smk.input.runs, [smk.input.outputs],
                    smk.output[0])
