"""The Roadmap's public reference data: the 16 states and the four goals (verbatim).

Used by the data migration, so that every new database has it, and by tests that check it.
"""

from __future__ import annotations

# (ISO 3166 alpha-3, name, CARICOM member)
STATES: list[tuple[str, str, bool]] = [
    ("ATG", "Antigua and Barbuda", True),
    ("BHS", "The Bahamas", True),
    ("BRB", "Barbados", True),
    ("BLZ", "Belize", True),
    ("DMA", "Dominica", True),
    ("GRD", "Grenada", True),
    ("GUY", "Guyana", True),
    ("HTI", "Haiti", True),
    ("JAM", "Jamaica", True),
    ("MSR", "Montserrat", True),
    ("KNA", "Saint Kitts and Nevis", True),
    ("LCA", "Saint Lucia", True),
    ("VCT", "Saint Vincent and the Grenadines", True),
    ("SUR", "Suriname", True),
    ("TTO", "Trinidad and Tobago", True),
    ("DOM", "Dominican Republic", False),
]

GOALS: list[tuple[int, str]] = [
    (1, "Reinforce regulatory frameworks governing firearms and ammunition."),
    (2, "Reduce the illicit flow of firearms and ammunition into, within and beyond the region."),
    (
        3,
        "Bolster law enforcement capacity to combat illicit firearms and ammunition trafficking "
        "and their illicit possession and misuse.",
    ),
    (
        4,
        "Systematically decrease the risk of diversion of firearms and ammunition from government- "
        "and non-government-owned arsenals.",
    ),
]
