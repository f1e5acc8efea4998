import logging

from thermolearn.io import write_csv, write_json
from thermolearn.jobs import snakemake_job
from thermolearn.paper_a.md import accuracy
from thermolearn.provenance import provenance

with snakemake_job(snakemake) as smk:
    summary, segments, trace = accuracy.measure_sweep(smk.params.paper_a, smk.params.seed,
                                                      log=logging.getLogger("thermolearn"))
    print(summary.to_string(index=False))
    write_csv(smk.output.summary, summary)
    write_csv(smk.output.segments, segments)
    write_csv(smk.output.trace, trace)
    write_json(smk.output.json, dict(
        meta=provenance("paper_a.md_accuracy", smk.params.paper_a, seed=smk.params.seed),
        **accuracy.sweep_summary(summary, segments)))
