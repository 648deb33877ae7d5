"""Grading one submission (``submission.grade_one``), step by step.

Scratch copy -> is it this lab's notebook (``which_lab``) -> restore the source's
locked and test cells (``restore``) -> static tamper scan (``scan``) -> run in
``grade`` mode in its own fenced kernel (``autograder.kernel.sandbox``) -> judge
the events of restored cells against the key (``autograder.notebook.judge``)
-> holds for review (``holds``). A whole run over many submissions, here or on a
cluster, is ``autograder.runners``; what it writes, ``autograder.report``.
"""
