from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import training_curves_from_files

with snakemake_job(snakemake) as smk:
    training_curves_from_files(smk.input.logs, smk.params.hidden, smk.input.ref_log,
                               smk.output[0])
