"""The province's stamp-signing keys as people manage them: the one service behind the
authority's keys page and ``traceability admin keys``."""
