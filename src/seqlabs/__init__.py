"""seqlabs: the reference library the sequence-model labs import.

It gives what the labs do not teach (data, text pipeline, training loops,
metrics, plots, gradient checking, seeding, profiles) and never the answer to
a graded exercise.
"""
