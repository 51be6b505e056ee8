"""Run every benchmark script in this folder (bench_*.py) and print its figures.

.venv/bin/python benchmarks/run_all.py
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

for script in sorted(HERE.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    subprocess.run([sys.executable, str(script)], check=True)
