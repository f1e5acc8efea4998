# Paper A, stage 4: the Lieb-Yngvason axioms A1-A6, additivity (Fig. 8) and the canonical
# entropy (Eq. 1) of the trained network on the test processes (docs/axioms.md). Per axiom: a
# compute rule (scores constructed states on the GPU; writes the per-sample csv and, where the
# figure shows a constructed state, an example .npz) and a figure rule that reads only those
# (no GPU, no network: a figure edit reruns no scoring); and the axioms table.

TEST_PROCESSES = [p for p in PROCESSES if DESIGN_ROWS[p]["split"] == "test"]
AXIOMS = PAPER_A["axioms"]
# what every scoring rule reads: the test states, their images, the network
AXIOM_INPUTS = dict(
    scores=rules.paper_a_scores.output.scores,
    model=rules.paper_a_train.output.model,
    images=expand(rules.paper_a_images.output.images, process=TEST_PROCESSES),
)
SCORING = {
    "gas": {k: PAPER_A["gas"][k] for k in ("L", "R")},
    "render": PAPER_A["render"],
    "protocol": {"n_frames": PAPER_A["protocol"]["n_frames"]},
    "train": {k: PAPER_A["train"][k] for k in ("device", "eval_batch_size")},
}
AXIOM_CATEGORY = "Paper A – axioms"


rule paper_a_axiom_a1_md:
    output:
        out("paper_a/axioms/a1/md/{process}.npz"),
    log:
        out("logs/paper_a/axioms/a1_md/{process}.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a1_md/{process}.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a1_md"),
        runtime=plan_runtime("paper_a_axiom_a1_md"),
    params:
        code=code_of("paper_a_axiom_a1_md"),
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol")},
        seed=config["seed"],
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_axiom_a1_md.py"


rule paper_a_axiom_a1_images:
    input:
        md=rules.paper_a_axiom_a1_md.output[0],
    output:
        images=out("paper_a/axioms/a1/images/{process}.npy"),
        meta=out("paper_a/axioms/a1/images/{process}.json"),
    log:
        out("logs/paper_a/axioms/a1_images/{process}.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a1_images/{process}.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a1_images"),
        runtime=plan_runtime("paper_a_axiom_a1_images"),
    params:
        code=code_of("paper_a_axiom_a1_images"),
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol", "render")},
        seed=config["seed"],
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_axiom_a1_images.py"


rule paper_a_axiom_a1:
    input:
        **AXIOM_INPUTS,
        reruns=expand(
            rules.paper_a_axiom_a1_images.output.images, process=TEST_PROCESSES
        ),
    output:
        csv=out("paper_a/axioms/a1.csv"),
    log:
        out("logs/paper_a/axioms/a1.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a1.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_a1"),
        runtime=plan_runtime("paper_a_axiom_a1"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_a1"),
        paper_a=SCORING,
    script:
        "../scripts/paper_a_axiom_a1.py"


rule paper_a_axiom_a3:
    input:
        **AXIOM_INPUTS,
    output:
        csv=out("paper_a/axioms/a3.csv"),
        example=out("paper_a/axioms/a3_example.npz"),
    log:
        out("logs/paper_a/axioms/a3.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a3.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_a3"),
        runtime=plan_runtime("paper_a_axiom_a3"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_a3"),
        paper_a=SCORING,
        a3=AXIOMS["a3"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a3.py"


rule paper_a_axiom_a4:
    input:
        **AXIOM_INPUTS,
        md=expand(rules.paper_a_md.output.md, process=TEST_PROCESSES),
    output:
        csv=out("paper_a/axioms/a4.csv"),
        example=out("paper_a/axioms/a4_example.npz"),
    log:
        out("logs/paper_a/axioms/a4.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a4.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_a4"),
        runtime=plan_runtime("paper_a_axiom_a4"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_a4"),
        paper_a=SCORING,
        a4=AXIOMS["a4"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a4.py"


rule paper_a_axiom_a5_md:
    input:
        md=rules.paper_a_md.output.md,
    output:
        out("paper_a/axioms/a5/{process}.npz"),
    log:
        out("logs/paper_a/axioms/a5_md/{process}.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a5_md/{process}.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a5_md"),
        runtime=plan_runtime("paper_a_axiom_a5_md"),
    params:
        code=code_of("paper_a_axiom_a5_md"),
        paper_a={
            **{k: PAPER_A[k] for k in ("gas", "integrator", "protocol", "render")},
            "axioms": {"a5": AXIOMS["a5"]},
        },
        seed=config["seed"],
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_axiom_a5_md.py"


rule paper_a_axiom_a5:
    input:
        **AXIOM_INPUTS,
        splits=expand(rules.paper_a_axiom_a5_md.output[0], process=TEST_PROCESSES),
    output:
        csv=out("paper_a/axioms/a5.csv"),
    log:
        out("logs/paper_a/axioms/a5.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a5.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_a5"),
        runtime=plan_runtime("paper_a_axiom_a5"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_a5"),
        paper_a=SCORING,
    script:
        "../scripts/paper_a_axiom_a5.py"


rule paper_a_axiom_a6:
    input:
        **AXIOM_INPUTS,
    output:
        csv=out("paper_a/axioms/a6.csv"),
        example=out("paper_a/axioms/a6_example.npz"),
    log:
        out("logs/paper_a/axioms/a6.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a6.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_a6"),
        runtime=plan_runtime("paper_a_axiom_a6"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_a6"),
        paper_a=SCORING,
        a6=AXIOMS["a6"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a6.py"


rule paper_a_axiom_additivity:
    input:
        **AXIOM_INPUTS,
    output:
        csv=out("paper_a/axioms/additivity.csv"),
    log:
        out("logs/paper_a/axioms/additivity.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/additivity.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_additivity"),
        runtime=plan_runtime("paper_a_axiom_additivity"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_additivity"),
        paper_a=SCORING,
        additivity=AXIOMS["additivity"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_additivity.py"


rule paper_a_axiom_canonical:
    input:
        **AXIOM_INPUTS,
    output:
        csv=out("paper_a/axioms/canonical.csv"),
        curve=out("paper_a/axioms/canonical_curve.csv"),
    log:
        out("logs/paper_a/axioms/canonical.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/canonical.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: AXIOMS["threads"]
    resources:
        mem_mb=plan_mem("paper_a_axiom_canonical"),
        runtime=plan_runtime("paper_a_axiom_canonical"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_axiom_canonical"),
        paper_a=SCORING,
        canonical=AXIOMS["canonical"],
    script:
        "../scripts/paper_a_axiom_canonical.py"


# The figures: cached artifacts in (the compute rule's csv and example), one figure out.


rule paper_a_axiom_a1_figure:
    input:
        csv=rules.paper_a_axiom_a1.output.csv,
    output:
        fig=report(
            out("paper_a/figures/fig3_a1.png"),
            caption="../report/paper_a_axiom_a1.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/a1_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a1_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a1_figure"),
        runtime=plan_runtime("paper_a_axiom_a1_figure"),
    params:
        code=code_of("paper_a_axiom_a1_figure"),
    script:
        "../scripts/paper_a_axiom_a1_figure.py"


rule paper_a_axiom_a3_figure:
    input:
        csv=rules.paper_a_axiom_a3.output.csv,
        example=rules.paper_a_axiom_a3.output.example,
    output:
        fig=report(
            out("paper_a/figures/a3.png"),
            caption="../report/paper_a_axiom_a3.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/a3_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a3_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a3_figure"),
        runtime=plan_runtime("paper_a_axiom_a3_figure"),
    params:
        code=code_of("paper_a_axiom_a3_figure"),
        a3=AXIOMS["a3"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a3_figure.py"


rule paper_a_axiom_a4_figure:
    input:
        csv=rules.paper_a_axiom_a4.output.csv,
        example=rules.paper_a_axiom_a4.output.example,
    output:
        fig=report(
            out("paper_a/figures/a4.png"),
            caption="../report/paper_a_axiom_a4.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/a4_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a4_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a4_figure"),
        runtime=plan_runtime("paper_a_axiom_a4_figure"),
    params:
        code=code_of("paper_a_axiom_a4_figure"),
    script:
        "../scripts/paper_a_axiom_a4_figure.py"


rule paper_a_axiom_a5_figure:
    input:
        csv=rules.paper_a_axiom_a5.output.csv,
    output:
        fig=report(
            out("paper_a/figures/fig5_a5.png"),
            caption="../report/paper_a_axiom_a5.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/a5_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a5_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a5_figure"),
        runtime=plan_runtime("paper_a_axiom_a5_figure"),
    params:
        code=code_of("paper_a_axiom_a5_figure"),
    script:
        "../scripts/paper_a_axiom_a5_figure.py"


rule paper_a_axiom_a6_figure:
    input:
        csv=rules.paper_a_axiom_a6.output.csv,
        example=rules.paper_a_axiom_a6.output.example,
    output:
        fig=report(
            out("paper_a/figures/fig6_a6.png"),
            caption="../report/paper_a_axiom_a6.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/a6_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/a6_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_a6_figure"),
        runtime=plan_runtime("paper_a_axiom_a6_figure"),
    params:
        code=code_of("paper_a_axiom_a6_figure"),
    script:
        "../scripts/paper_a_axiom_a6_figure.py"


rule paper_a_axiom_additivity_figure:
    input:
        csv=rules.paper_a_axiom_additivity.output.csv,
    output:
        fig=report(
            out("paper_a/figures/fig8_additivity.png"),
            caption="../report/paper_a_axiom_additivity.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/additivity_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/additivity_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_additivity_figure"),
        runtime=plan_runtime("paper_a_axiom_additivity_figure"),
    params:
        code=code_of("paper_a_axiom_additivity_figure"),
    script:
        "../scripts/paper_a_axiom_additivity_figure.py"


rule paper_a_axiom_canonical_figure:
    input:
        csv=rules.paper_a_axiom_canonical.output.csv,
        curve=rules.paper_a_axiom_canonical.output.curve,
    output:
        fig=report(
            out("paper_a/figures/canonical_entropy.png"),
            caption="../report/paper_a_axiom_canonical.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        out("logs/paper_a/axioms/canonical_figure.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/canonical_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axiom_canonical_figure"),
        runtime=plan_runtime("paper_a_axiom_canonical_figure"),
    params:
        code=code_of("paper_a_axiom_canonical_figure"),
    script:
        "../scripts/paper_a_axiom_canonical_figure.py"


rule paper_a_axioms_table:
    input:
        a1=rules.paper_a_axiom_a1.output.csv,
        a3=rules.paper_a_axiom_a3.output.csv,
        a4=rules.paper_a_axiom_a4.output.csv,
        a5=rules.paper_a_axiom_a5.output.csv,
        a6=rules.paper_a_axiom_a6.output.csv,
        additivity=rules.paper_a_axiom_additivity.output.csv,
        canonical=rules.paper_a_axiom_canonical.output.csv,
        metrics=rules.paper_a_train.output.metrics,
    output:
        csv=out("paper_a/axioms/axioms.csv"),
        md=out("paper_a/axioms/axioms.md"),
    log:
        out("logs/paper_a/axioms/table.log"),
    benchmark:
        out("benchmarks/paper_a/axioms/table.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_axioms_table"),
        runtime=plan_runtime("paper_a_axioms_table"),
    params:
        code=code_of("paper_a_axioms_table"),
        a3=AXIOMS["a3"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axioms_table.py"


TARGETS["paper_a_axioms"] = [
    rules.paper_a_axioms_table.output.csv,
    rules.paper_a_axioms_table.output.md,
    rules.paper_a_axiom_a1_figure.output.fig,
    rules.paper_a_axiom_a3_figure.output.fig,
    rules.paper_a_axiom_a4_figure.output.fig,
    rules.paper_a_axiom_a5_figure.output.fig,
    rules.paper_a_axiom_a6_figure.output.fig,
    rules.paper_a_axiom_additivity_figure.output.fig,
    rules.paper_a_axiom_canonical_figure.output.fig,
]
