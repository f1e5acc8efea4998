# thermolearn: neural networks learn thermodynamics from microscopic dynamics.
# A thin entry point: validate the config, include the stages, name the final targets.
#   snakemake --cores 32                                   # paper scale (config.yaml)
#   snakemake --cores 2 --configfile presets/demo.yaml     # laptop scale
from snakemake.utils import min_version

min_version("8.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/paper_a_md.smk"


rule all:
    input:
        all_targets(),
    default_target: True
