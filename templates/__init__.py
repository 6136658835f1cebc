"""The shipped workbook templates, installed as the package data ``xlcost.templates``.

This folder stays at the top of the repository (beside ``workbooks/``) and
pyproject.toml maps it into the package, so ``xlcost build`` finds the templates
in a wheel install, an editable install and a source checkout alike.
"""
