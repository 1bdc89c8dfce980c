DATE_FORMAT = "j F Y"
# Short months as French writes them ("N": fév., avr., juin, juil., août), not Django's three letters
# ("M": Jui for both juin and juillet).
SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y, H:i"
YEAR_MONTH_FORMAT = "N Y"
