"""``python -m kneekit.bench``: run the benchmarks (see :mod:`kneekit.bench`)."""

import sys

from kneekit.bench import bench_main

sys.exit(bench_main())
