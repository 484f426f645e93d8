"""Packet tables: captures exported as a Parquet dataset (a `frames` table and one table per
protocol), on every local core or on a Dask cluster, and SQL over it with DuckDB.

    schema.py   the tables and their columns, derived from the protocol declarations
    rows.py     decoded packets -> Arrow record batches
    job.py      captures -> chunks of records; one chunk -> Parquet files (resumable)
    run.py      running the chunks: local worker processes or Dask distributed
    command.py  `layerscope export` and `layerscope sql`
"""
