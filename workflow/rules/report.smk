# The reproduction table (every number of both papers beside ours) and the run's config, both
# shown in `snakemake --report results/report.html`.

# config.yaml first, then the presets in the order given (later ones override)
CONFIG_FILES = ["config.yaml"] + [
    os.path.relpath(f, REPO)
    for f in workflow.configfiles
    if Path(f).resolve() != (REPO / "config.yaml").resolve()
]


rule reproduction:
    input:
        metrics=rules.paper_a_train.output.metrics,
        axioms=rules.paper_a_axioms_table.output.csv,
        entropy_fit=rules.paper_a_entropy_fit.output.table,
        gaps=rules.paper_a_entropy_gap.output.table,
        fidelity=rules.paper_a_md_fidelity.output.table,
        table2=rules.paper_b_table2.output[0],
        table3=rules.paper_b_table3.output[0],
    output:
        csv=report(
            out("reproduction.csv"),
            caption="../report/reproduction.rst",
            category="Reproduction",
        ),
        md=out("reproduction.md"),
    log:
        out("logs/reproduction.log"),
    benchmark:
        out("benchmarks/reproduction.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("reproduction"),
        runtime=plan_runtime("reproduction"),
    params:
        code=code_of("reproduction"),
        preset=" + ".join(CONFIG_FILES),
    script:
        "../scripts/reproduction.py"


rule run_config:
    output:
        report(
            out("config_used.yaml"),
            caption="../report/config_used.rst",
            category="Reproduction",
        ),
    log:
        out("logs/run_config.log"),
    benchmark:
        out("benchmarks/run_config.tsv")
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=plan_mem("run_config"),
        runtime=plan_runtime("run_config"),
    params:
        code=code_of("run_config"),
        config=config,
        configfiles=CONFIG_FILES,
    script:
        "../scripts/run_config.py"


TARGETS["report"] = [*rules.reproduction.output, *rules.run_config.output]


onsuccess:
    from thermolearn.report.headline import headline

    print(headline(RESULTS))
