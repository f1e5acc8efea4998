# Paper A, stage 2: snapshot images (Lanczos-resized disk drawings), the states table, Fig. 1(b).

MD_KEYS = ("gas", "integrator", "protocol")
FIG1_PROCESS = PROCESSES[0]  # choice: Fig. 1(b) shows the first process of the design


rule paper_a_images:
    input:
        md=rules.paper_a_md.output.md,
    output:
        images=out("paper_a/images/{process}.npy"),
        meta=out("paper_a/images/{process}.json"),
    log:
        out("logs/paper_a/images/{process}.log"),
    benchmark:
        out("benchmarks/paper_a/images/{process}.tsv")
    priority: PRIORITY
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_images"),
        runtime=plan_runtime("paper_a_images"),
    params:
        code=code_of("paper_a_render"),
        paper_a={k: PAPER_A[k] for k in MD_KEYS + ("render",)},
        row=lambda wc: DESIGN_ROWS[wc.process],
    script:
        "../scripts/paper_a_render.py"


rule paper_a_states:
    input:
        md=expand(rules.paper_a_md.output.md, process=PROCESSES),
    output:
        states=out("paper_a/states.csv"),
    log:
        out("logs/paper_a/states.log"),
    benchmark:
        out("benchmarks/paper_a/states.tsv")
    priority: PRIORITY
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_states"),
        runtime=plan_runtime("paper_a_states"),
    params:
        code=code_of("paper_a_render_states"),
        paper_a={k: PAPER_A[k] for k in MD_KEYS},
        rows=DESIGN_ROWS,
        processes=PROCESSES,
    script:
        "../scripts/paper_a_render_states.py"


rule paper_a_fig1:
    input:
        md=expand(rules.paper_a_md.output.md, process=FIG1_PROCESS)[0],
        images=expand(rules.paper_a_images.output.images, process=FIG1_PROCESS)[0],
    output:
        report(
            out("paper_a/figures/fig1b.png"),
            caption="../report/paper_a_fig1.rst",
            category="Paper A – images",
        ),
    log:
        out("logs/paper_a/fig1.log"),
    benchmark:
        out("benchmarks/paper_a/fig1.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("paper_a_fig1"),
        runtime=plan_runtime("paper_a_fig1"),
    params:
        code=code_of("paper_a_fig1"),
        paper_a={k: PAPER_A[k] for k in MD_KEYS + ("render",)},
        row=DESIGN_ROWS[FIG1_PROCESS],
    script:
        "../scripts/paper_a_fig1.py"


# The images are not listed: training needs every one of them (keeps `rule all` short).
TARGETS["paper_a_images"] = [
    *rules.paper_a_states.output,
    *rules.paper_a_fig1.output,
]
