"""autograder: in-notebook marks and hashed tolerance checks, `build` and `grade`.

The in-notebook API (docs/architecture.md)::

    import autograder
    autograder.init("lab0_example", tokens={...})
    with autograder.marks("q1_mean", points=2):
        autograder.check("q1_mean.value", mean_value)
    autograder.summary()

The API is loaded on first use (PEP 562), so that importing a leaf module
such as ``autograder.core.values`` (as ``seqlabs`` does) runs no more than that
module: no tally, no marks, no grader. See docs/architecture.md for how the
parts fit together.
"""
import importlib

# name -> the module of this package that defines it
_API = {"init": "notebook.blocks", "marks": "notebook.blocks", "summary": "notebook.blocks",
        "check": "notebook.checks", "check_below": "notebook.checks", "check_above": "notebook.checks",
        "check_agreement": "notebook.checks", "make_token": "core.tokens", "verify": "core.tokens",
        "MIME": "core.events"}

__all__ = list(_API)


def __getattr__(name: str):
    """Load the module behind an API name the first time it is asked for, and bind its API names here."""
    home = _API.get(name)
    if home is None:
        raise AttributeError(f"module 'autograder' has no attribute {name!r}")
    module = importlib.import_module(f"autograder.{home}")
    for api_name, where in _API.items():
        if where == home:
            globals()[api_name] = getattr(module, api_name)
    return globals()[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
