from thermolearn.io import write_csv
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.design import cell_counts, make_design

with snakemake_job(snakemake) as smk:
    config = {"seed": smk.params.seed, "paper_a": smk.params.paper_a}
    design = make_design(config)
    write_csv(smk.output.design, design)
    write_csv(smk.output.cells, cell_counts(design))  # each split's processes per cell
