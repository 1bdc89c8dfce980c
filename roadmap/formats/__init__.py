"""Date formats of the site's four languages, over Django's own (FORMAT_MODULE_PATH).

Templates and code name formats, never spell them out: DATE_FORMAT for a sentence ("28 November 2026"),
SHORT_DATE_FORMAT in tables and lists ("28 Nov 2026"), YEAR_MONTH_FORMAT beside a figure. English stays
as it always was; the others keep their own word order and month names.
"""
