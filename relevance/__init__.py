"""`make eval`: the archive's search measured against judged queries, beside SQLite FTS5."""
