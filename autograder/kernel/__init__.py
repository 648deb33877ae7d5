"""One graded kernel, isolated: ``sandbox`` runs a restored notebook in a ``fence`` (namespaces;
``fence_inner`` is the script run inside them) under the ``seal`` (an audit hook in the kernel) whose
events reach the grader only through the sealed ``channel``. Imports ``core`` and ``notebook``.
"""
