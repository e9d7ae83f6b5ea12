"""One module per reminder kind, each holding the whole kind: who gets it, when it is due and
when it stops holding, and its e-mail. `base` is what they have in common; `registry` lists them.
"""
