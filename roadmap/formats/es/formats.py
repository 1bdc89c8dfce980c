DATE_FORMAT = r"j \d\e F \d\e Y"
# Short months in lower case, as Spanish writes them in running text ("b": abr, jun), not "M" (Abr).
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y, H:i"
YEAR_MONTH_FORMAT = "b Y"
