# Paper A, stage 3: the siamese network (Table I), its training, S~ of every state, Fig. 7.

IMAGES = expand(rules.paper_a_images.output.images, process=PROCESSES)


rule paper_a_train:
    # Resumes from results/paper_a/model/checkpoint.pt (written every epoch, not an output,
    # so it survives a failed or killed job; deleted once the outputs exist).
    input:
        images=IMAGES,
        states=rules.paper_a_states.output.states,
        design=rules.paper_a_design.output.design,
    output:
        model=out("paper_a/model/siamese.pt"),
        metrics=out("paper_a/model/metrics.json"),
    log:
        out("logs/paper_a/train.log"),
    benchmark:
        out("benchmarks/paper_a/train.tsv")
    # the critical path first, the A1/A5 MD around it (PRIORITY, common.smk)
    priority: PRIORITY
    conda:
        "../../envs/torch.yaml"
    threads: PAPER_A["train"]["threads"]
    resources:
        mem_mb=plan_mem("paper_a_train"),
        runtime=plan_runtime("paper_a_train"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_train"),
        seed=config["seed"],
        train=PAPER_A["train"],
        size=PAPER_A["render"]["size"],
        n_frames=PAPER_A["protocol"]["n_frames"],
    script:
        "../scripts/paper_a_train.py"


rule paper_a_train_curve:
    input:
        metrics=rules.paper_a_train.output.metrics,
    output:
        report(
            out("paper_a/figures/training_curve.png"),
            caption="../report/paper_a_train_curve.rst",
            category="Paper A – siamese network",
        ),
    log:
        out("logs/paper_a/train_curve.log"),
    benchmark:
        out("benchmarks/paper_a/train_curve.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_train_curve"),
        runtime=plan_runtime("paper_a_train_curve"),
    params:
        code=code_of("paper_a_train_curve"),
    script:
        "../scripts/paper_a_train_curve.py"


rule paper_a_scores:
    input:
        model=rules.paper_a_train.output.model,
        images=IMAGES,
        states=rules.paper_a_states.output.states,
    output:
        scores=out("paper_a/model/scores.csv"),
    log:
        out("logs/paper_a/scores.log"),
    benchmark:
        out("benchmarks/paper_a/scores.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 4
    resources:
        mem_mb=plan_mem("paper_a_scores"),
        runtime=plan_runtime("paper_a_scores"),
        gpu=gpu_jobs(PAPER_A["train"]["device"]),
    params:
        code=code_of("paper_a_scores"),
        size=PAPER_A["render"]["size"],
        n_frames=PAPER_A["protocol"]["n_frames"],
        device=PAPER_A["train"]["device"],
        batch_size=PAPER_A["train"]["eval_batch_size"],
    script:
        "../scripts/paper_a_scores.py"


rule paper_a_entropy_fit:
    input:
        scores=rules.paper_a_scores.output.scores,
    output:
        table=out("paper_a/entropy_fit.csv"),
        states=out("paper_a/entropy_states.csv"),
    log:
        out("logs/paper_a/entropy_fit.log"),
    benchmark:
        out("benchmarks/paper_a/entropy_fit.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_entropy_fit"),
        runtime=plan_runtime("paper_a_entropy_fit"),
    params:
        code=code_of("paper_a_entropy_fit"),
        R=PAPER_A["gas"]["R"],
    script:
        "../scripts/paper_a_entropy_fit.py"


rule paper_a_entropy_gap:
    input:
        scores=rules.paper_a_scores.output.scores,
    output:
        table=out("paper_a/accuracy_vs_entropy_gap.csv"),
    log:
        out("logs/paper_a/entropy_gap.log"),
    benchmark:
        out("benchmarks/paper_a/entropy_gap.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_entropy_gap"),
        runtime=plan_runtime("paper_a_entropy_gap"),
    params:
        code=code_of("paper_a_entropy_gap"),
        R=PAPER_A["gas"]["R"],
    script:
        "../scripts/paper_a_entropy_gap.py"


# The figures read the tables above only: a figure edit reruns no computation.
rule paper_a_fig7:
    input:
        states=rules.paper_a_entropy_fit.output.states,
        fits=rules.paper_a_entropy_fit.output.table,
    output:
        report(
            out("paper_a/figures/fig7.png"),
            caption="../report/paper_a_fig7.rst",
            category="Paper A – learned entropy",
        ),
    log:
        out("logs/paper_a/fig7.log"),
    benchmark:
        out("benchmarks/paper_a/fig7.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_fig7"),
        runtime=plan_runtime("paper_a_fig7"),
    params:
        code=code_of("paper_a_fig7"),
    script:
        "../scripts/paper_a_fig7.py"


rule paper_a_fig7_gap:
    input:
        table=rules.paper_a_entropy_gap.output.table,
    output:
        report(
            out("paper_a/figures/accuracy_vs_entropy_gap.png"),
            caption="../report/paper_a_fig7_gap.rst",
            category="Paper A – learned entropy",
        ),
    log:
        out("logs/paper_a/fig7_gap.log"),
    benchmark:
        out("benchmarks/paper_a/fig7_gap.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_fig7_gap"),
        runtime=plan_runtime("paper_a_fig7_gap"),
    params:
        code=code_of("paper_a_fig7_gap"),
    script:
        "../scripts/paper_a_fig7_gap.py"


TARGETS["paper_a_train"] = [
    *rules.paper_a_train.output,
    *rules.paper_a_scores.output,
    *rules.paper_a_train_curve.output,
    *rules.paper_a_entropy_fit.output,
    *rules.paper_a_entropy_gap.output,
    *rules.paper_a_fig7.output,
    *rules.paper_a_fig7_gap.output,
]
