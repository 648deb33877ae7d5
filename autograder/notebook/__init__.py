"""The in-notebook API (``import autograder``: ``init``, ``marks``, ``check*``, ``summary``) and the
judge that applies the same verdicts to a graded kernel's reports, so that the notebook's tally and the
grade use one function by construction. Imports only ``autograder.core``.
"""
