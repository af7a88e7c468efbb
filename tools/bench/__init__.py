"""Performance benchmark: mesoprep against Rasa's default pipeline and policies.

`make bench` (or `python -m tools.bench`) trains both models on the same data,
serves each in turn with the action server beside it, drives both with the
same REST load and writes a report, a plot and the figures under
reports/bench/. See tools/bench/__main__.py for the phases.
"""
