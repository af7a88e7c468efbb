"""The outcome of a message: patterns, spelling, assertion status, risk model.

Independent of Rasa: bot.nlu.risk_gate applies the decision (triage) in the
pipeline.
"""
