"""The grader's vocabulary, with no side effects on import: values and their encoding, tokens, the
mode and profile settings, events, grading conditions, a lab's layout (``lab``), atomic writes, the
folder lock and the asyncio bridge. The only part of ``autograder`` that ``seqlabs`` may import
(``tests/test_import_graph.py``); it imports nothing else of ``autograder``.
"""
