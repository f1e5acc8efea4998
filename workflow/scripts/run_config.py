from thermolearn.jobs import snakemake_job
from thermolearn.report.config_record import write_config_record

with snakemake_job(snakemake) as smk:
    write_config_record(smk.params.config, smk.params.configfiles, smk.output[0])
