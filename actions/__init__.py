"""Custom actions for mesoprep, split by concern.

- settings: clinic, emergency and crisis-line configuration from the environment
- responses: reading response text from the domain (the one place it lives)
- safety: urgent-care advice and crisis signposting
- handoff: the clinic's contact route and the low-confidence fallback
- prep_sheet: noting personal factors and building the consultation prep sheet
"""
