"""A reduced `make bench` keeps the benchmark code path alive."""
from benchmarks.__main__ import main


def test_quick_bench_writes_results(tmp_path):
    assert main(["--quick", "--device", "cpu", "--out", str(tmp_path)]) == 0
    md = next(p for p in tmp_path.iterdir() if p.suffix == ".md").read_text()
    assert "ng-relu" in md and "DeviceData" in md
