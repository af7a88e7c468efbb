"""Command-line tools, the server harness and the benchmark.

Nothing here is imported by the server: a deployment needs only bot/.
"""
