#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs unittest names (modules, classes or methods) as one ctest step, verbosely, and
says by its exit status what happened, so that ctest reports a skip as "Skipped" and
never as "Passed":

    0   every test ran and passed
    1   a test failed or raised
    77  none failed, but at least one skipped (ctest's SKIP_RETURN_CODE for these steps)

    python3 run_suite.py NAME...
"""
import sys
import unittest

SKIPPED = 77


def main(names):
    if not names:
        sys.exit(__doc__)
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
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
