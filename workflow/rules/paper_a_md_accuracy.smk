# Paper A, MD accuracy: the first-law error against dt on a few processes, and over the design.


rule paper_a_md_accuracy:
    output:
        summary=out("paper_a/md_accuracy/accuracy.csv"),
        segments=out("paper_a/md_accuracy/segments.csv"),
        trace=out("paper_a/md_accuracy/trace.csv"),
        json=out("paper_a/md_accuracy/accuracy.json"),
    log:
        out("logs/paper_a/md_accuracy.log"),
    benchmark:
        out("benchmarks/paper_a/md_accuracy.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_md_accuracy"),
        runtime=plan_runtime("paper_a_md_accuracy"),
    params:
        code=code_of("paper_a_md_accuracy"),
        seed=config["seed"],
        paper_a={
            "gas": PAPER_A["gas"],
            "integrator": PAPER_A["integrator"],
            "protocol": PAPER_A["protocol"],
            "md_accuracy": PAPER_A["md_accuracy"],
        },
    script:
        "../scripts/paper_a_md_accuracy.py"


rule paper_a_md_fidelity:
    # the first-law error every MD artifact recorded (metadata only)
    input:
        md=expand(out("paper_a/md/{process}.npz"), process=PROCESSES),
        design=rules.paper_a_design.output.design,
    output:
        table=out("paper_a/md_accuracy/fidelity.csv"),
    log:
        out("logs/paper_a/md_fidelity.log"),
    benchmark:
        out("benchmarks/paper_a/md_fidelity.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_md_fidelity"),
        runtime=plan_runtime("paper_a_md_fidelity"),
    params:
        code=code_of("paper_a_md_fidelity"),
    script:
        "../scripts/paper_a_md_fidelity.py"


rule paper_a_md_accuracy_figure:
    input:
        summary=rules.paper_a_md_accuracy.output.summary,
        trace=rules.paper_a_md_accuracy.output.trace,
        fidelity=rules.paper_a_md_fidelity.output.table,
    output:
        report(
            out("paper_a/figures/md_accuracy.png"),
            caption="../report/md_accuracy.rst",
            category="Paper A – molecular dynamics",
        ),
    log:
        out("logs/paper_a/md_accuracy_figure.log"),
    benchmark:
        out("benchmarks/paper_a/md_accuracy_figure.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_md_accuracy_figure"),
        runtime=plan_runtime("paper_a_md_accuracy_figure"),
    params:
        code=code_of("paper_a_md_accuracy_figure"),
    script:
        "../scripts/paper_a_md_accuracy_figure.py"


TARGETS["paper_a_md_accuracy"] = [
    *rules.paper_a_md_accuracy.output,
    *rules.paper_a_md_fidelity.output,
    *rules.paper_a_md_accuracy_figure.output,
]
