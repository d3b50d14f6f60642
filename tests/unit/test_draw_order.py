"""frontend/src/lod.ts, run in Node: the shuffled draw order is a permutation, the same every time, and any
prefix of it samples every cluster in proportion; the draw count is the whole map unless the camera moves."""

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
# Transpiles lod.ts with the project's TypeScript (it imports nothing) and prints what `expression` gives.
RUNNER = """
const ts = require('typescript');
const source = require('fs').readFileSync('src/lod.ts', 'utf8');
const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
const js = ts.transpileModule(source, { compilerOptions: options });
const module = { exports: {} };
new Function('module', 'exports', js.outputText)(module, module.exports);
const lod = module.exports;
process.stdout.write(JSON.stringify(eval(process.argv[1])));
"""


def lod(expression: str) -> Any:
    done = subprocess.run(
        ["node", "-e", RUNNER, expression], cwd=FRONTEND, capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout)


def test_the_draw_order_is_a_permutation_the_same_for_the_same_size_and_not_the_stream_order() -> None:
    for n in [0, 1, 2, 7, 1000, 100_003]:
        order = np.array(lod(f"Array.from(lod.drawOrder({n}))"), dtype=np.int64)
        assert order.shape == (n,)
        assert np.array_equal(np.sort(order), np.arange(n))
    first, again = lod("[Array.from(lod.drawOrder(5000)), Array.from(lod.drawOrder(5000))]")
    assert first == again
    # Shuffled: few points keep their place, and the first thousand come from all over the stream.
    assert sum(i == v for i, v in enumerate(first)) < 10
    assert min(first[:1000]) < 100 and max(first[:1000]) > 4900


def test_a_prefix_of_the_draw_order_samples_every_cluster_in_proportion() -> None:
    # A million points in stream order as /points sends them: clusters of very different sizes, one after another.
    sizes = [600_000, 300_000, 90_000, 9_000, 1_000]
    starts = np.cumsum([0, *sizes])
    prefix = np.array(lod("Array.from(lod.drawOrder(1000000).subarray(0, lod.MOVING_BUDGET))"), dtype=np.int64)
    assert len(prefix) == lod("lod.MOVING_BUDGET")
    assert len(np.unique(prefix)) == len(prefix)
    counts = np.histogram(prefix, bins=starts)[0]
    expected = np.array(sizes) * len(prefix) / sum(sizes)
    # Binomial spread: every cluster within five standard deviations of its share, the smallest included.
    assert (np.abs(counts - expected) < 5 * np.sqrt(expected) + 1).all(), (counts, expected)
    assert counts[-1] > 0


def test_the_whole_map_is_drawn_at_rest_and_within_the_budget_and_the_budget_while_moving() -> None:
    budget = lod("lod.MOVING_BUDGET")
    assert lod(f"lod.drawCount({budget * 25}, false)") == budget * 25
    assert lod(f"lod.drawCount({budget * 25}, true)") == budget
    assert lod(f"lod.drawCount({budget}, true)") == budget
    assert lod("lod.drawCount(240, true)") == 240
