"""Command line: `autograder build|grade|demo` (thin layer over keyword-only functions)."""
import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    parser.add_subparsers(dest="command")
    parser.parse_args(argv)
    return 0
