"""Excel and CSV exports of the programme: status, measures, attendance, suggestions and gains.

`tables` says what each export holds (its columns and a row iterator over scoped reads), `xlsx`
and `csvfile` write a table in either format, and `views` decides who may download what, by the
same rules as the pages (`pilots.access`). How a value goes into a cell, and the rule against
formula injection, is `pilots.cells`.
"""
