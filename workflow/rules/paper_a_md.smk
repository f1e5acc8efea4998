# Paper A, stage 1: process design, relaxation measurement, molecular dynamics.


rule paper_a_design:
    input:
        code=sources("paper_a/design.py", "paper_a/md/protocol.py"),
    output:
        "results/paper_a/processes.csv",
    log:
        "results/logs/paper_a/design.log",
    benchmark:
        "results/benchmarks/paper_a/design.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        seed=config["seed"],
        paper_a={
            "gas": {"L": PAPER_A["gas"]["L"]},
            "protocol": {k: PAPER_A["protocol"][k] for k in ("Lx_min", "n_cycles")},
            "design": PAPER_A["design"],
        },
    script:
        "../scripts/paper_a_design.py"


rule paper_a_md:
    input:
        code=sources("paper_a/md"),
    output:
        "results/paper_a/md/{process}.npz",
    log:
        "results/logs/paper_a/md/{process}.log",
    benchmark:
        "results/benchmarks/paper_a/md/{process}.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol")},
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_md.py"


rule paper_a_relaxation:
    input:
        code=sources("paper_a/md"),
    output:
        table="results/paper_a/relaxation/relaxation.csv",
        times="results/paper_a/relaxation/relaxation_times.csv",
    log:
        "results/logs/paper_a/relaxation.log",
    benchmark:
        "results/benchmarks/paper_a/relaxation.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    params:
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
    input:
        table="results/paper_a/relaxation/relaxation.csv",
        times="results/paper_a/relaxation/relaxation_times.csv",
        code=sources("paper_a/md/relaxation.py"),
    output:
        report(
            "results/paper_a/figures/relaxation.png",
            caption="../report/relaxation.rst",
            category="Paper A: molecular dynamics",
        ),
    log:
        "results/logs/paper_a/relaxation_figure.log",
    benchmark:
        "results/benchmarks/paper_a/relaxation_figure.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        paper_a={
            "gas": {"L": PAPER_A["gas"]["L"]},
            "protocol": {"t_hold": PAPER_A["protocol"]["t_hold"]},
            "relaxation": PAPER_A["relaxation"],
            "design": {"dL": PAPER_A["design"]["dL"]},
        },
    script:
        "../scripts/paper_a_relaxation_figure.py"


TARGETS["paper_a_md"] = [
    "results/paper_a/processes.csv",
    "results/paper_a/figures/relaxation.png",
] + expand("results/paper_a/md/{process}.npz", process=PROCESSES)
