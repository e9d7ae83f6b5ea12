"""A national data set for `make bench`: every municipality of Norway running the programme.

`manage.py generate_scale_data` writes it straight into PostgreSQL with COPY: the ids are worked
out by arithmetic from the sizes (`layout.Layout`), so each table is written in one pass without
holding the others in memory, and the rows are plain tuples, never model instances.
"""
