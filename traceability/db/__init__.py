"""The database: the embedded server, the pool, the schema and named queries."""
