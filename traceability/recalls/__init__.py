"""Lot recalls: a cooperative (its own lots) or the authority calls a lot back, with a reason.

Every stamp of a recalled lot then says so, first and in red, on its scan page; the
product page and the GS1 linkset (``gs1:recallStatus``) say it too.
"""
