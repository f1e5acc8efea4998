# thermolearn: neural networks learn thermodynamics from microscopic dynamics.
# A thin entry point: validate the config, include the stages, name the final targets.
#   snakemake --cores 32                                   # paper scale (config.yaml)
#   snakemake --cores 2 --configfile presets/demo.yaml     # laptop scale
import os

from snakemake.utils import min_version

min_version("8.0")


# config.yaml beside this file, also when run with --directory elsewhere
configfile: os.path.join(workflow.basedir, "config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/paper_a_md.smk"
include: "workflow/rules/paper_a_md_accuracy.smk"
include: "workflow/rules/paper_a_images.smk"
include: "workflow/rules/paper_a_train.smk"
include: "workflow/rules/paper_a_axioms.smk"
include: "workflow/rules/paper_b.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
