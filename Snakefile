# thermolearn: neural networks learn thermodynamics from microscopic dynamics.
# A thin entry point: validate the config, include the stages, name the final targets.
#   snakemake --cores 32                                   # paper scale (config.yaml)
#   snakemake --cores 2 --configfile presets/demo.yaml     # laptop scale
#   snakemake --cores 2 paper_b --configfile presets/demo.yaml   # one paper: paper_a, paper_b
#   snakemake --cores 2 figures --configfile presets/demo.yaml   # every figure (.png)
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


# Targets a person would type: one paper's outputs (its tables, figures and what they need), or
# every figure. Each is a rule of no job of its own, like `all`.
rule paper_a:
    input:
        [t for stage, ts in TARGETS.items() if stage.startswith("paper_a") for t in ts],


rule paper_b:
    input:
        TARGETS["paper_b"],


rule figures:
    input:
        [t for t in all_targets() if t.endswith(".png")],


# Figures and tables read cached artifacts for seconds: under SLURM they run on the submit host
# instead of each waiting for a job of its own (docs/cluster.md). Keep this list to the rules of
# the plan's "figures and tables" stage (tests/tools/test_plan.py).
localrules:
    all,
    paper_a,
    paper_b,
    figures,
    paper_a_relaxation_figure,
    paper_a_md_fidelity,
    paper_a_md_accuracy_figure,
    paper_a_fig1,
    paper_a_train_curve,
    paper_a_entropy_fit,
    paper_a_entropy_gap,
    paper_a_fig7,
    paper_a_fig7_gap,
    paper_a_axiom_a1_figure,
    paper_a_axiom_a3_figure,
    paper_a_axiom_a4_figure,
    paper_a_axiom_a5_figure,
    paper_a_axiom_a6_figure,
    paper_a_axiom_additivity_figure,
    paper_a_axiom_canonical_figure,
    paper_a_axioms_table,
    paper_b_fig2,
    paper_b_fig3,
    paper_b_table2,
    paper_b_training_curves,
    paper_b_arrow_ratio,
    paper_b_fig_arrow,
    paper_b_table3,
    paper_b_fig5,
    reproduction,
    run_config,
