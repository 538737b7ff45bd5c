"""The archive's benchmark (`make bench`): a synthetic corpus, the FTS5 yardstick and a runner."""
