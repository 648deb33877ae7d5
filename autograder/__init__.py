"""autograder: in-notebook marks and hashed tolerance checks, `build` and `grade`.

See docs/architecture.md for how the parts fit together.
"""
