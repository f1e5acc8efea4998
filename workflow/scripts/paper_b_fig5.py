from thermolearn.jobs import snakemake_job
from thermolearn.paper_b.figures import fig5_from_files

with snakemake_job(snakemake) as smk:
    outputs = smk.input.outputs  # ours.npz, plus ref.npz with paper_b.reference_dir
    fig5_from_files(smk.params.seed, smk.params.paper_b, smk.input.runs,
                    [outputs] if isinstance(outputs, str) else list(outputs), smk.output[0])
