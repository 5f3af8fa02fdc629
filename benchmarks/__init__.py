"""Speed and memory measurements (make bench); see benchmarks/__main__.py."""
