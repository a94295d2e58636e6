"""Ingest: read an article and propose the records it reports, for a person to review.

`article` reads and splits the text, `phrases` finds and resolves its dates, `mentions` finds
people, titles, organizations, places and countries and recognises the stored ones, `events`
finds what happened or is to come, `proposal` assembles all of it with the links to stored
records, and `apply` writes an accepted proposal in one transaction.
"""
