from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md.job import load_md
from thermolearn.paper_a.render import load_images
from thermolearn.paper_a.render.figure import plot_fig1b

with snakemake_job(snakemake) as smk:
    row = smk.params.row
    _, md = load_md(smk.input.md, smk.params.paper_a, row,
                    arrays=("piston_t", "piston_Lx", "time_sf", "Lx_s"))
    img = load_images(smk.input.images, size=smk.params.paper_a["render"]["size"])
    plot_fig1b(md, img, smk.params.paper_a, row["process"], smk.output[0])
