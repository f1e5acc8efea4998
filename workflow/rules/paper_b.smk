# Paper B (Lier 2025): hard-disk runs, H-functional, DeepSets training, Tables 2 and 3, Figs. 2, 3, 5.
import math

PAPER_B = config["paper_b"]
PB = out("paper_b")
PB_HIDDEN = [int(h) for h in PAPER_B["train"]["hidden"]]
PB_N_FILES = math.ceil(
    (PAPER_B["runs"]["n_train"] + PAPER_B["runs"]["n_heldout"])
    / PAPER_B["runs"]["runs_per_file"]
)
PB_RUN_FILES = [f"{PB}/runs/b{k:03d}.npz" for k in range(PB_N_FILES)]
# The GPU resource of training and model outputs (the default profile runs one GPU job at a
# time); on the CPU (`paper_b.device: cpu`, or no GPU here) they run side by side.
PB_GPU = gpu_jobs(PAPER_B["device"])


# The published weights and log (relative to the repo root), or None to skip them.
PB_REF = (
    (REPO / PAPER_B["reference_dir"]).resolve()
    if PAPER_B["reference_dir"] is not None
    else None
)
if PB_REF is not None and not PB_REF.is_dir():
    print(
        f"WARNING: config key 'paper_b.reference_dir': {PB_REF} not found; the published "
        "weights are left out (set it to null to silence this)",
        file=sys.stderr,
    )
    PB_REF = None
PB_SOURCES = ["ours"] + (["ref"] if PB_REF is not None else [])
PB_OUTPUTS = [f"{PB}/outputs/{source}.npz" for source in PB_SOURCES]
PB_WEIGHTS = {
    "ours": [f"{PB}/models/h{h}.pt" for h in PB_HIDDEN],
    "ref": [str(PB_REF / f"deepsets_h{h}.pt") for h in PB_HIDDEN] if PB_REF else [],
}


rule paper_b_simulate:
    output:
        f"{PB}/runs/b{{block}}.npz",
    log:
        out("logs/paper_b/runs/b{block}.log"),
    benchmark:
        out("benchmarks/paper_b/runs/b{block}.tsv")
    wildcard_constraints:
        block=r"[0-9]{3}",
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_simulate"),
        runtime=plan_runtime("paper_b_simulate"),
    params:
        code=code_of("paper_b_simulate"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("gas", "runs", "hfunc")},
    script:
        "../scripts/paper_b_simulate.py"


rule paper_b_frame_rate_sweep:
    output:
        f"{PB}/frame_rate_sweep.csv",
    log:
        out("logs/paper_b/frame_rate_sweep.log"),
    benchmark:
        out("benchmarks/paper_b/frame_rate_sweep.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_frame_rate_sweep"),
        runtime=plan_runtime("paper_b_frame_rate_sweep"),
    params:
        code=code_of("paper_b_frame_rate_sweep"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("gas", "frame_rate_sweep")},
    script:
        "../scripts/paper_b_frame_rate_sweep.py"


rule paper_b_fig2:
    input:
        sweep=rules.paper_b_frame_rate_sweep.output[0],
    output:
        report(
            f"{PB}/figures/fig2_frame_rate.png",
            caption="../report/paper_b_fig2.rst",
            category="Paper B – hard disks",
        ),
    log:
        out("logs/paper_b/fig2.log"),
    benchmark:
        out("benchmarks/paper_b/fig2.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_fig2"),
        runtime=plan_runtime("paper_b_fig2"),
    params:
        code=code_of("paper_b_fig2"),
        frame_rate=PAPER_B["gas"]["frame_rate"],
    script:
        "../scripts/paper_b_fig2.py"


rule paper_b_fig3:
    input:
        runs=PB_RUN_FILES,
    output:
        report(
            f"{PB}/figures/fig3_speed_distribution.png",
            caption="../report/paper_b_fig3.rst",
            category="Paper B – hard disks",
        ),
    log:
        out("logs/paper_b/fig3.log"),
    benchmark:
        out("benchmarks/paper_b/fig3.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_fig3"),
        runtime=plan_runtime("paper_b_fig3"),
    params:
        code=code_of("paper_b_fig3"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("gas", "runs", "hfunc")},
    script:
        "../scripts/paper_b_fig3.py"


rule paper_b_train:
    input:
        runs=PB_RUN_FILES,
    output:
        weights=f"{PB}/models/h{{hidden}}.pt",
        log=f"{PB}/models/h{{hidden}}_log.csv",
    log:
        out("logs/paper_b/train_h{hidden}.log"),
    benchmark:
        out("benchmarks/paper_b/train_h{hidden}.tsv")
    wildcard_constraints:
        hidden=r"[0-9]+",
    conda:
        "../../envs/torch.yaml"
    # One thread: on a CPU the fused DeepSets pass works on cache-sized chunks that do not
    # split well across threads (2 threads on a busy 2-core machine: 10x slower, measured);
    # the three widths train side by side instead. On CUDA the GPU does the work.
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_train"),
        runtime=plan_runtime("paper_b_train"),
        gpu=PB_GPU,
    params:
        code=code_of("paper_b_train"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("device", "gas", "runs", "hfunc", "train")},
        checkpoint=lambda wc: f"{PB}/models/h{wc.hidden}.ckpt.pt",
    script:
        "../scripts/paper_b_train.py"


rule paper_b_outputs:
    input:
        runs=PB_RUN_FILES,
        weights=lambda wc: PB_WEIGHTS[wc.source],
    output:
        f"{PB}/outputs/{{source}}.npz",
    log:
        out("logs/paper_b/outputs/{source}.log"),
    benchmark:
        out("benchmarks/paper_b/outputs/{source}.tsv")
    wildcard_constraints:
        source="ours|ref",
    conda:
        "../../envs/torch.yaml"
    threads: 1  # the chunked forward, as paper_b_train
    resources:
        mem_mb=plan_mem("paper_b_outputs"),
        runtime=plan_runtime("paper_b_outputs"),
        gpu=PB_GPU,
    params:
        code=code_of("paper_b_outputs"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("device", "gas", "runs", "hfunc")},
        hidden=PB_HIDDEN,
    script:
        "../scripts/paper_b_outputs.py"


rule paper_b_table2:
    input:
        logs=expand(rules.paper_b_train.output.log, hidden=PB_HIDDEN),
        ref_log=[str(PB_REF / "training_log.txt")] if PB_REF is not None else [],
    output:
        f"{PB}/tables/table2.csv",
    log:
        out("logs/paper_b/table2.log"),
    benchmark:
        out("benchmarks/paper_b/table2.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_table2"),
        runtime=plan_runtime("paper_b_table2"),
    params:
        code=code_of("paper_b_table2"),
        hidden=PB_HIDDEN,
    script:
        "../scripts/paper_b_table2.py"


rule paper_b_training_curves:
    input:
        logs=expand(rules.paper_b_train.output.log, hidden=PB_HIDDEN),
        ref_log=[str(PB_REF / "training_log.txt")] if PB_REF is not None else [],
    output:
        report(
            f"{PB}/figures/training_curves.png",
            caption="../report/paper_b_training_curves.rst",
            category="Paper B – DeepSets",
        ),
    log:
        out("logs/paper_b/training_curves.log"),
    benchmark:
        out("benchmarks/paper_b/training_curves.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_training_curves"),
        runtime=plan_runtime("paper_b_training_curves"),
    params:
        code=code_of("paper_b_training_curves"),
        hidden=PB_HIDDEN,
    script:
        "../scripts/paper_b_training_curves.py"


rule paper_b_arrow_ratio:
    input:
        logs=expand(rules.paper_b_train.output.log, hidden=PB_HIDDEN),
        ref_log=[str(PB_REF / "training_log.txt")] if PB_REF is not None else [],
    output:
        f"{PB}/tables/arrow_ratio.csv",
    log:
        out("logs/paper_b/arrow_ratio.log"),
    benchmark:
        out("benchmarks/paper_b/arrow_ratio.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_arrow_ratio"),
        runtime=plan_runtime("paper_b_arrow_ratio"),
    params:
        code=code_of("paper_b_arrow_ratio"),
        hidden=PB_HIDDEN,
    script:
        "../scripts/paper_b_arrow_ratio.py"


rule paper_b_fig_arrow:
    input:
        curves=rules.paper_b_arrow_ratio.output[0],
    output:
        report(
            f"{PB}/figures/arrow_ratio.png",
            caption="../report/paper_b_arrow.rst",
            category="Paper B – DeepSets",
        ),
    log:
        out("logs/paper_b/fig_arrow.log"),
    benchmark:
        out("benchmarks/paper_b/fig_arrow.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_fig_arrow"),
        runtime=plan_runtime("paper_b_fig_arrow"),
    params:
        code=code_of("paper_b_fig_arrow"),
    script:
        "../scripts/paper_b_fig_arrow.py"


rule paper_b_table3:
    input:
        runs=PB_RUN_FILES,
        outputs=PB_OUTPUTS,
    output:
        f"{PB}/tables/table3.csv",
    log:
        out("logs/paper_b/table3.log"),
    benchmark:
        out("benchmarks/paper_b/table3.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_table3"),
        runtime=plan_runtime("paper_b_table3"),
    params:
        code=code_of("paper_b_table3"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("gas", "runs", "hfunc", "train")},
    script:
        "../scripts/paper_b_table3.py"


rule paper_b_fig5:
    input:
        runs=PB_RUN_FILES,
        outputs=PB_OUTPUTS,  # ours, and the published weights' when reference_dir is set
    output:
        report(
            f"{PB}/figures/fig5_h_vs_models.png",
            caption="../report/paper_b_fig5.rst",
            category="Paper B – DeepSets",
        ),
    log:
        out("logs/paper_b/fig5.log"),
    benchmark:
        out("benchmarks/paper_b/fig5.tsv")
    conda:
        "../../envs/torch.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_b_fig5"),
        runtime=plan_runtime("paper_b_fig5"),
    params:
        code=code_of("paper_b_fig5"),
        seed=config["seed"],
        paper_b={k: PAPER_B[k] for k in ("gas", "runs", "hfunc", "train")},
    script:
        "../scripts/paper_b_fig5.py"


TARGETS["paper_b"] = [
    *rules.paper_b_fig2.output,
    *rules.paper_b_fig3.output,
    *rules.paper_b_fig5.output,
    *rules.paper_b_training_curves.output,
    *rules.paper_b_fig_arrow.output,
    *rules.paper_b_table2.output,
    *rules.paper_b_table3.output,
]
