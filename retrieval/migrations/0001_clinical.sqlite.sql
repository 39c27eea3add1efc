-- SQLite full-text index over qualifier segments: accent-insensitive, external content.
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text,
    content='segments',
    content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
