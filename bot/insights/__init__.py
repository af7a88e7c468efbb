"""What people ask, for the clinic: aggregates of the conversation database.

- ``privacy``: wording scrubbed of names, e-mail addresses, phone numbers,
  dates and ages, and never kept for a personal fact or a report.
- ``themes``: the questions the guide doesn't cover, grouped into themes.
- ``store``: the events the tracker store wrote, read once each into small
  aggregate tables (incrementally), and the summary for a date range.
- ``page``: the clinic page, its charts and its exports.

``python -m bot.insights`` (``make insights``) prints the summary.
"""
