# Paper A, stage 1: process design, relaxation measurement, molecular dynamics.


rule paper_a_design:
    output:
        design=out("paper_a/processes.csv"),
        cells=out("paper_a/design_cells.csv"),
    log:
        out("logs/paper_a/design.log"),
    benchmark:
        out("benchmarks/paper_a/design.tsv")
    # the training reads processes.csv (the cells its subset is stratified by): on the critical
    # path, else the greedy scheduler leaves this input-less job to the end of the A1/A5 MD
    priority: PRIORITY
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_design"),
        runtime=plan_runtime("paper_a_design"),
    params:
        code=code_of("paper_a_design"),
        seed=config["seed"],
        paper_a={
            "gas": {"L": PAPER_A["gas"]["L"]},
            "protocol": {k: PAPER_A["protocol"][k] for k in ("Lx_min", "n_cycles")},
            "design": PAPER_A["design"],
        },
    script:
        "../scripts/paper_a_design.py"


rule paper_a_md:
    output:
        md=out("paper_a/md/{process}.npz"),
    log:
        out("logs/paper_a/md/{process}.log"),
    benchmark:
        out("benchmarks/paper_a/md/{process}.tsv")
    priority: PRIORITY
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_md"),
        runtime=plan_runtime("paper_a_md"),
    params:
        code=code_of("paper_a_md"),
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol")},
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_md.py"


rule paper_a_relaxation:
    output:
        table=out("paper_a/relaxation/relaxation.csv"),
        times=out("paper_a/relaxation/relaxation_times.csv"),
    log:
        out("logs/paper_a/relaxation.log"),
    benchmark:
        out("benchmarks/paper_a/relaxation.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_relaxation"),
        runtime=plan_runtime("paper_a_relaxation"),
    params:
        code=code_of("paper_a_relaxation"),
        seed=config["seed"],
        paper_a={
            "gas": PAPER_A["gas"],
            "integrator": PAPER_A["integrator"],
            "relaxation": PAPER_A["relaxation"],
            "design": {"dL": PAPER_A["design"]["dL"]},
        },
    script:
        "../scripts/paper_a_relaxation.py"


rule paper_a_relaxation_figure:
    # reads the measurement's tables only: a figure edit reruns no MD
    input:
        table=rules.paper_a_relaxation.output.table,
        times=rules.paper_a_relaxation.output.times,
    output:
        report(
            out("paper_a/figures/relaxation.png"),
            caption="../report/relaxation.rst",
            category="Paper A – molecular dynamics",
        ),
    log:
        out("logs/paper_a/relaxation_figure.log"),
    benchmark:
        out("benchmarks/paper_a/relaxation_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_relaxation_figure"),
        runtime=plan_runtime("paper_a_relaxation_figure"),
    params:
        code=code_of("paper_a_relaxation_figure"),
        paper_a={
            "gas": {"L": PAPER_A["gas"]["L"]},
            "protocol": {"t_hold": PAPER_A["protocol"]["t_hold"]},
            "relaxation": PAPER_A["relaxation"],
            "design": {"dL": PAPER_A["design"]["dL"]},
        },
    script:
        "../scripts/paper_a_relaxation_figure.py"


# The MD files are not listed: training needs every one of them (keeps `rule all` short).
TARGETS["paper_a_md"] = [
    *rules.paper_a_design.output,
    *rules.paper_a_relaxation_figure.output,
]
