# Paper A, stage 4: the Lieb-Yngvason axioms A1-A6, additivity (Fig. 8) and the canonical
# entropy (Eq. 1) of the trained network on the test processes; one rule and figure per axiom,
# and the axioms table (docs/axioms.md).

TEST_PROCESSES = [p for p in PROCESSES if DESIGN_ROWS[p]["split"] == "test"]
AXIOMS = PAPER_A["axioms"]
AXIOM_MD_CODE = [
    "paper_a/md",
    "paper_a/axioms/__init__.py",
    "paper_a/axioms/reruns.py",
    "paper_a/axioms/checks.py",
]
AXIOM_CODE = [  # what the analysis rules import (not table.py: the table rule alone)
    *(
        f"paper_a/axioms/{m}.py"
        for m in (
            "__init__",
            "analyses",
            "canonical",
            "checks",
            "constructions",
            "data",
            "figures",
            "jobs",
            "reruns",
        )
    ),
    "paper_a/md",
    "paper_a/render",
    "paper_a/entropy.py",
    "paper_a/siamese/__init__.py",
    "paper_a/siamese/model.py",
    "paper_a/siamese/data.py",
    "paper_a/siamese/infer.py",
]
# what every scoring rule reads: the test states, their images, the network
AXIOM_INPUTS = dict(
    scores="results/paper_a/model/scores.csv",
    model="results/paper_a/model/siamese.pt",
    images=expand("results/paper_a/images/{process}.npy", process=TEST_PROCESSES),
)
SCORING = {
    "gas": {k: PAPER_A["gas"][k] for k in ("L", "R")},
    "render": PAPER_A["render"],
    "protocol": {"n_frames": PAPER_A["protocol"]["n_frames"]},
    "train": {k: PAPER_A["train"][k] for k in ("device", "eval_batch_size")},
}
AXIOM_CATEGORY = "Paper A: axioms"


rule paper_a_axiom_a1_md:
    input:
        code=sources(*AXIOM_MD_CODE),
    output:
        "results/paper_a/axioms/a1/md/{process}.npz",
    log:
        "results/logs/paper_a/axioms/a1_md/{process}.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a1_md/{process}.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol")},
        seed=config["seed"],
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_axiom_a1_md.py"


rule paper_a_axiom_a1_images:
    input:
        md="results/paper_a/axioms/a1/md/{process}.npz",
        code=sources("paper_a/render", "paper_a/md/job.py", *AXIOM_MD_CODE[1:]),
    output:
        images="results/paper_a/axioms/a1/images/{process}.npy",
        meta="results/paper_a/axioms/a1/images/{process}.json",
    log:
        "results/logs/paper_a/axioms/a1_images/{process}.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a1_images/{process}.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        paper_a={k: PAPER_A[k] for k in ("gas", "integrator", "protocol", "render")},
        seed=config["seed"],
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_axiom_a1_images.py"


rule paper_a_axiom_a1:
    input:
        **AXIOM_INPUTS,
        reruns=expand(
            "results/paper_a/axioms/a1/images/{process}.npy", process=TEST_PROCESSES
        ),
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/a1.csv",
        fig=report(
            "results/paper_a/figures/fig3_a1.png",
            caption="../report/paper_a_axiom_a1.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/a1.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a1.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=1,
    params:
        paper_a=SCORING,
    script:
        "../scripts/paper_a_axiom_a1.py"


rule paper_a_axiom_a3:
    input:
        **AXIOM_INPUTS,
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/a3.csv",
        fig=report(
            "results/paper_a/figures/a3.png",
            caption="../report/paper_a_axiom_a3.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/a3.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a3.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
        gpu=1,
    params:
        paper_a=SCORING,
        a3=AXIOMS["a3"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a3.py"


rule paper_a_axiom_a4:
    input:
        **AXIOM_INPUTS,
        md=expand("results/paper_a/md/{process}.npz", process=TEST_PROCESSES),
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/a4.csv",
        fig=report(
            "results/paper_a/figures/a4.png",
            caption="../report/paper_a_axiom_a4.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/a4.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a4.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,
    params:
        paper_a=SCORING,
        a4=AXIOMS["a4"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a4.py"


rule paper_a_axiom_a5_md:
    input:
        md="results/paper_a/md/{process}.npz",
        code=sources("paper_a/render", *AXIOM_MD_CODE),
    output:
        "results/paper_a/axioms/a5/{process}.npz",
    log:
        "results/logs/paper_a/axioms/a5_md/{process}.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a5_md/{process}.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
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
        splits=expand("results/paper_a/axioms/a5/{process}.npz", process=TEST_PROCESSES),
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/a5.csv",
        fig=report(
            "results/paper_a/figures/fig5_a5.png",
            caption="../report/paper_a_axiom_a5.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/a5.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a5.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=1,
    params:
        paper_a=SCORING,
    script:
        "../scripts/paper_a_axiom_a5.py"


rule paper_a_axiom_a6:
    input:
        **AXIOM_INPUTS,
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/a6.csv",
        fig=report(
            "results/paper_a/figures/fig6_a6.png",
            caption="../report/paper_a_axiom_a6.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/a6.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/a6.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,
    params:
        paper_a=SCORING,
        a6=AXIOMS["a6"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_a6.py"


rule paper_a_axiom_additivity:
    input:
        **AXIOM_INPUTS,
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/additivity.csv",
        fig=report(
            "results/paper_a/figures/fig8_additivity.png",
            caption="../report/paper_a_axiom_additivity.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/additivity.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/additivity.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=1,
    params:
        paper_a=SCORING,
        additivity=AXIOMS["additivity"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axiom_additivity.py"


rule paper_a_axiom_canonical:
    input:
        **AXIOM_INPUTS,
        code=sources(*AXIOM_CODE),
    output:
        csv="results/paper_a/axioms/canonical.csv",
        curve="results/paper_a/axioms/canonical_curve.csv",
        fig=report(
            "results/paper_a/figures/canonical_entropy.png",
            caption="../report/paper_a_axiom_canonical.rst",
            category=AXIOM_CATEGORY,
        ),
    log:
        "results/logs/paper_a/axioms/canonical.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/canonical.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=1,
    params:
        paper_a=SCORING,
        canonical=AXIOMS["canonical"],
    script:
        "../scripts/paper_a_axiom_canonical.py"


rule paper_a_axioms_table:
    input:
        a1="results/paper_a/axioms/a1.csv",
        a3="results/paper_a/axioms/a3.csv",
        a4="results/paper_a/axioms/a4.csv",
        a5="results/paper_a/axioms/a5.csv",
        a6="results/paper_a/axioms/a6.csv",
        additivity="results/paper_a/axioms/additivity.csv",
        canonical="results/paper_a/axioms/canonical.csv",
        code=sources(
            "paper_a/axioms/analyses.py",
            "paper_a/axioms/table.py",
            "paper_a/entropy.py",
        ),
    output:
        csv="results/paper_a/axioms/axioms.csv",
        md="results/paper_a/axioms/axioms.md",
    log:
        "results/logs/paper_a/axioms/table.log",
    benchmark:
        "results/benchmarks/paper_a/axioms/table.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        a3=AXIOMS["a3"],
        seed=config["seed"],
    script:
        "../scripts/paper_a_axioms_table.py"


TARGETS["paper_a_axioms"] = [
    "results/paper_a/axioms/axioms.csv",
    "results/paper_a/axioms/axioms.md",
    "results/paper_a/figures/fig3_a1.png",
    "results/paper_a/figures/a3.png",
    "results/paper_a/figures/a4.png",
    "results/paper_a/figures/fig5_a5.png",
    "results/paper_a/figures/fig6_a6.png",
    "results/paper_a/figures/fig8_additivity.png",
    "results/paper_a/figures/canonical_entropy.png",
]
