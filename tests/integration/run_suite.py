#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs unittest names (modules, classes or methods) as one ctest step, verbosely, and
says by its exit status what happened, so that ctest reports a skip as "Skipped" and
never as "Passed":

    0   every test ran and passed
    1   a test failed or raised
    77  none failed, but at least one skipped (ctest's SKIP_RETURN_CODE for these steps)

    python3 run_suite.py NAME... [--except NAME...]

Tests named after --except (or below a class or module named there) are left out: they
run in another step, on a build that adds something (tsan.senders).
"""
import sys
import unittest

SKIPPED = 77


def tests_of(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from tests_of(item)
        else:
            yield item


def main(arguments):
    names, left_out = arguments, []
    if "--except" in arguments:
        at = arguments.index("--except")
        names, left_out = arguments[:at], arguments[at + 1:]
    if not names:
        sys.exit(__doc__)
    loaded = unittest.defaultTestLoader.loadTestsFromNames(names)
    suite = unittest.TestSuite(test for test in tests_of(loaded)
                               if not any(test.id() == name or test.id().startswith(name + ".") for name in left_out))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.skipped:
        print(f"run_suite: {len(result.skipped)} of {result.testsRun} tests skipped:", file=sys.stderr)
        for test, reason in result.skipped:
            print(f"  {test.id()}: {reason}", file=sys.stderr)
        return SKIPPED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
