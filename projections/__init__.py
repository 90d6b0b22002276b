"""Events in, tables and exports out: certificates, entities, the review queue, the summary.

Each projection keeps its own tables and a checkpoint written in the same transaction, so
applying the log is exactly-once; any projection can be rebuilt from the log, also as of
a past instant.
"""
