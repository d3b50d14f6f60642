"""Benchmarks: `make bench` measures the build and start-up and writes docs/BENCHMARKS.md."""
