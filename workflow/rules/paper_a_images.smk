# Paper A, stage 2: snapshot images (Lanczos-resized disk drawings), the states table, Fig. 1(b).

MD_KEYS = ("gas", "integrator", "protocol")
FIG1_PROCESS = PROCESSES[0]  # choice: Fig. 1(b) shows the first process of the design


rule paper_a_images:
    input:
        md="results/paper_a/md/{process}.npz",
        code=sources("paper_a/render", "paper_a/md/job.py"),
    output:
        images="results/paper_a/images/{process}.npy",
        meta="results/paper_a/images/{process}.json",
    log:
        "results/logs/paper_a/images/{process}.log",
    benchmark:
        "results/benchmarks/paper_a/images/{process}.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        paper_a={k: PAPER_A[k] for k in MD_KEYS + ("render",)},
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_render.py"


rule paper_a_states:
    input:
        md=expand("results/paper_a/md/{process}.npz", process=PROCESSES),
        code=sources("paper_a/render", "paper_a/md/job.py"),
    output:
        "results/paper_a/states.csv",
    log:
        "results/logs/paper_a/states.log",
    benchmark:
        "results/benchmarks/paper_a/states.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        paper_a={k: PAPER_A[k] for k in MD_KEYS},
        rows=DESIGN_ROWS,
        processes=PROCESSES,
    script:
        "../scripts/paper_a_render_states.py"


rule paper_a_fig1:
    input:
        md=f"results/paper_a/md/{FIG1_PROCESS}.npz",
        images=f"results/paper_a/images/{FIG1_PROCESS}.npy",
        code=sources("paper_a/render", "paper_a/md/job.py"),
    output:
        report(
            "results/paper_a/figures/fig1b.png",
            caption="../report/paper_a_fig1.rst",
            category="Paper A: images",
        ),
    log:
        "results/logs/paper_a/fig1.log",
    benchmark:
        "results/benchmarks/paper_a/fig1.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        paper_a={k: PAPER_A[k] for k in MD_KEYS + ("render",)},
        row=DESIGN_ROWS[FIG1_PROCESS],
    script:
        "../scripts/paper_a_fig1.py"


TARGETS["paper_a_images"] = [
    "results/paper_a/states.csv",
    "results/paper_a/figures/fig1b.png",
] + expand("results/paper_a/images/{process}.npy", process=PROCESSES)
