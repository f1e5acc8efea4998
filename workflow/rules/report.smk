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
        metrics="results/paper_a/model/metrics.json",
        axioms="results/paper_a/axioms/axioms.csv",
        entropy_fit=rules.paper_a_fig7.output.table,
        gaps=rules.paper_a_fig7_gap.output.table,
        table2="results/paper_b/tables/table2.csv",
        table3="results/paper_b/tables/table3.csv",
        code=sources("report"),
    output:
        csv=report(
            "results/reproduction.csv",
            caption="../report/reproduction.rst",
            category="Reproduction",
        ),
        md="results/reproduction.md",
    log:
        "results/logs/reproduction.log",
    benchmark:
        "results/benchmarks/reproduction.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        preset=" + ".join(CONFIG_FILES),
    script:
        "../scripts/reproduction.py"


rule run_config:
    input:
        code=sources("report"),
    output:
        report(
            "results/config_used.yaml",
            caption="../report/config_used.rst",
            category="Reproduction",
        ),
    log:
        "results/logs/run_config.log",
    benchmark:
        "results/benchmarks/run_config.tsv"
    conda:
        "../../envs/md.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        config=config,
        configfiles=CONFIG_FILES,
    script:
        "../scripts/run_config.py"


TARGETS["report"] = ["results/reproduction.csv", "results/config_used.yaml"]
