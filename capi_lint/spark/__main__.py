"""``python -m capi_lint.spark PATH...`` (or ``spark-submit``): :mod:`capi_lint.spark.command`."""

import sys

from capi_lint.spark.command import main

if __name__ == "__main__":
    sys.exit(main())
