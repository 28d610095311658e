"""Run every benchmark section and print its table: ``make bench`` or ``python benchmarks/run.py``.

Each figure is a wall time measured in this run; ratios compare hashlease with the peer measured beside it.
Use --quick for a smaller run (same code paths, fewer elements).
"""

from __future__ import annotations

import argparse

from rich.console import Console

import addin
import batch
import compiled
import decision
import finance
import lease
import mining
import montecarlo
import power
import recalc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the default sizes")
    parser.add_argument("--smoke", action="store_true", help="a hundredth: checks the benchmarks run (tests use it)")
    parser.add_argument("--only", choices=["mining", "finance", "lease", "montecarlo", "addin", "decision", "recalc", "batch", "power", "compiled"], help="one section")
    args = parser.parse_args()
    scale = 100 if args.smoke else 10 if args.quick else 1
    console = Console(width=140)
    sections = {
        "mining": lambda: mining.run(n=1_000_000 // scale),
        "finance": lambda: finance.run(count=10_000 // scale, irr_subset=1_000 // scale),
        "lease": lambda: lease.run(count=10_000 // scale, one_by_one=200 // scale),
        "montecarlo": lambda: montecarlo.run(paths=100_000 // scale, loop_paths=500 // scale),
        "addin": lambda: addin.run(cells=100_000 // scale, calls=20_000 // scale),
        "decision": lambda: decision.run(count=10_000 // scale, sample=200 // scale, repeat=1 if args.smoke else 3),
        "recalc": lambda: recalc.run(repeat=1 if args.smoke else 3),
        "power": lambda: power.run(repeat=1 if args.smoke else 3),
        "batch": lambda: batch.run(count=10_000 // scale, sample=8 if scale == 1 else 2, cluster=not args.smoke),
        "compiled": lambda: compiled.run(count=10_000 // scale, sample=4 if scale == 1 else 1,
                                         large_count=20_000 // scale, iterations=10_000 // scale,
                                         reference_samples=0 if args.smoke else 2),
    }
    for name, section in sections.items():
        if args.only in (None, name):
            console.print(section())


if __name__ == "__main__":
    main()
