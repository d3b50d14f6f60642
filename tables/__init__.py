"""Reading tables: every supported file format, compression and text encoding, sniffing and read options,
typed columns, the mapping of rows to text / id / vector, and errors that name the line, row or column and
the fix. No Django, no Celery, nothing of the app (make lint checks it): the web process, the workers and
the command line all read files through it.
"""
