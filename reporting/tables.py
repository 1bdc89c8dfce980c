from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plans import progress


class RateColumn(tables.Column):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(**kwargs)

    def render(self, value: float | None) -> str:
        return progress.percent(value)

    def value(self, value: float | None) -> Any:
        return None if value is None else round(value, 1)


class CountColumn(tables.Column):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(**kwargs)


class ComplianceTable(tables.Table):
    """One row per country in the cycle; rows are reporting.compliance.CountryCompliance."""

    country = tables.Column(
        verbose_name=_("Country"), accessor="country__name", order_by="country__name"
    )
    # Counts of reports: their own context, because a submission's state is the same English word and
    # Spanish, French and Dutch put a count in the plural.
    expected = CountColumn(verbose_name=_("Expected"))
    submitted = CountColumn(verbose_name=pgettext_lazy("reports, count", "Submitted"))
    approved = CountColumn(verbose_name=pgettext_lazy("reports, count", "Approved"))
    returned = CountColumn(verbose_name=pgettext_lazy("reports, count", "Returned"))
    reporting_rate = RateColumn(verbose_name=_("Reporting rate"), order_by="reporting_rate_sort")
    on_time_rate = RateColumn(verbose_name=_("On-time rate"), order_by="on_time_rate_sort")
    stale = CountColumn(verbose_name=_("Stale actions"))
    last_report = tables.Column(
        verbose_name=_("Last report"),
        empty_values=(None,),
        default="–",
        order_by="last_report_sort",
    )

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "data-table compliance-table"}
        order_by = ("country",)
        empty_text = _("No country has a current plan, so no report is expected.")

    def render_country(self, record: Any) -> str:
        return format_html(
            '<a href="{}">{}</a>', record.country.get_absolute_url(), record.country.name
        )

    def value_country(self, record: Any) -> str:
        return str(record.country.name)

    def render_last_report(self, value: Any) -> str:
        return date_format(localtime(value), "SHORT_DATE_FORMAT")

    def value_last_report(self, value: Any) -> str:
        return localtime(value).date().isoformat() if value else ""
