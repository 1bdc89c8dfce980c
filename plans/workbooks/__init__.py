"""A country's plan as a workbook: export, read (with limits), compare (preview) and apply.

DESIGN.md "Plans as workbooks" is the contract: the sheets, columns and addresses. ``schema`` names them,
``export`` writes a plan, ``read`` turns an uploaded file into checked rows (every problem located at its
cell), ``diff`` compares those rows with the plan on file and returns a ``ChangeSet`` (a plain list of
typed changes), and ``apply`` writes a change set through plans/services.py in one transaction.
"""
