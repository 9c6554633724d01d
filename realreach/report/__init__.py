"""The offline HTML report: an overview of every account, a page per account, one per spike."""

from realreach.report.build import ReportResult, write_report

__all__ = ["ReportResult", "write_report"]
