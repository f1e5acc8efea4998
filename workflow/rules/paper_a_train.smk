# Paper A, stage 3: the siamese network (Table I), its training, S~ of every state, Fig. 7.

TRAIN_CODE = [
    "paper_a/siamese/__init__.py",
    "paper_a/siamese/model.py",
    "paper_a/siamese/data.py",
    "paper_a/siamese/train.py",
]
SCORE_CODE = [
    "paper_a/siamese/__init__.py",
    "paper_a/siamese/model.py",
    "paper_a/siamese/data.py",
    "paper_a/siamese/infer.py",
]
IMAGES = expand("results/paper_a/images/{process}.npy", process=PROCESSES)


rule paper_a_train:
    # Resumes from results/paper_a/model/checkpoint.pt (written every epoch, not an output,
    # so it survives a failed or killed job; deleted once the outputs exist).
    input:
        images=IMAGES,
        states="results/paper_a/states.csv",
        code=sources(*TRAIN_CODE),
    output:
        model="results/paper_a/model/siamese.pt",
        metrics="results/paper_a/model/metrics.json",
    log:
        "results/logs/paper_a/train.log",
    benchmark:
        "results/benchmarks/paper_a/train.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 8
    resources:
        mem_mb=16000,
        runtime=720,
        gpu=1,
    params:
        seed=config["seed"],
        train=PAPER_A["train"],
        size=PAPER_A["render"]["size"],
        n_frames=PAPER_A["protocol"]["n_frames"],
    script:
        "../scripts/paper_a_train.py"


rule paper_a_train_curve:
    input:
        metrics="results/paper_a/model/metrics.json",
        code=sources("paper_a/siamese/plots.py"),
    output:
        report(
            "results/paper_a/figures/training_curve.png",
            caption="../report/paper_a_train_curve.rst",
            category="Paper A: siamese network",
        ),
    log:
        "results/logs/paper_a/train_curve.log",
    benchmark:
        "results/benchmarks/paper_a/train_curve.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/paper_a_train_curve.py"


rule paper_a_scores:
    input:
        model="results/paper_a/model/siamese.pt",
        images=IMAGES,
        states="results/paper_a/states.csv",
        code=sources(*SCORE_CODE),
    output:
        "results/paper_a/model/scores.csv",
    log:
        "results/logs/paper_a/scores.log",
    benchmark:
        "results/benchmarks/paper_a/scores.tsv"
    conda:
        "../../envs/torch.yaml"
    threads: 4
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=1,
    params:
        size=PAPER_A["render"]["size"],
        n_frames=PAPER_A["protocol"]["n_frames"],
        device=PAPER_A["train"]["device"],
        batch_size=PAPER_A["train"]["eval_batch_size"],
    script:
        "../scripts/paper_a_scores.py"


rule paper_a_fig7:
    input:
        scores="results/paper_a/model/scores.csv",
        code=sources("paper_a/entropy.py"),
    output:
        fig=report(
            "results/paper_a/figures/fig7.png",
            caption="../report/paper_a_fig7.rst",
            category="Paper A: learned entropy",
        ),
        table="results/paper_a/entropy_fit.csv",
    log:
        "results/logs/paper_a/fig7.log",
    benchmark:
        "results/benchmarks/paper_a/fig7.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        R=PAPER_A["gas"]["R"],
    script:
        "../scripts/paper_a_fig7.py"


rule paper_a_fig7_gap:
    input:
        scores="results/paper_a/model/scores.csv",
        code=sources("paper_a/entropy.py"),
    output:
        fig=report(
            "results/paper_a/figures/accuracy_vs_entropy_gap.png",
            caption="../report/paper_a_fig7_gap.rst",
            category="Paper A: learned entropy",
        ),
        table="results/paper_a/accuracy_vs_entropy_gap.csv",
    log:
        "results/logs/paper_a/fig7_gap.log",
    benchmark:
        "results/benchmarks/paper_a/fig7_gap.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        R=PAPER_A["gas"]["R"],
    script:
        "../scripts/paper_a_fig7_gap.py"


TARGETS["paper_a_train"] = [
    "results/paper_a/model/siamese.pt",
    "results/paper_a/model/metrics.json",
    "results/paper_a/model/scores.csv",
    "results/paper_a/figures/training_curve.png",
    "results/paper_a/figures/fig7.png",
    "results/paper_a/entropy_fit.csv",
    "results/paper_a/figures/accuracy_vs_entropy_gap.png",
]
