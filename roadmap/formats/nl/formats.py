DATE_FORMAT = "j F Y"
# Short months as Dutch writes them, in lower case ("N": mrt, mei, okt), not capitalised ("M": Mrt).
SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
YEAR_MONTH_FORMAT = "N Y"
