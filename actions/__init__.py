"""Custom actions for mesoprep, split by concern.

- settings: clinic contact route and safety numbers from the environment
- prep_sheet: noting personal factors and building the consultation prep sheet
- cautions: the caution a stated personal fact needs, once per conversation
- answers: several answers in one turn, and noting questions the guide lacks

Everything else (answers, urgent-care advice, fallbacks) is a domain response
chosen by rules, so it works even when the action server is unreachable.
"""
