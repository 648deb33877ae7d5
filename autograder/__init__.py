"""autograder: in-notebook marks and hashed tolerance checks, `build` and `grade`.

The in-notebook API (docs/architecture.md)::

    import autograder
    autograder.init("lab0_example", tokens={...})
    with autograder.marks("q1_mean", points=2):
        autograder.check("q1_mean.value", mean_value)
    autograder.summary()

See docs/architecture.md for how the parts fit together.
"""
from autograder.checks import check, check_above, check_agreement, check_below
from autograder.events import MIME
from autograder.marks import init, marks, summary
from autograder.tokens import make_token, verify

__all__ = ["init", "marks", "summary", "check", "check_below", "check_above", "check_agreement",
           "make_token", "verify", "MIME"]
