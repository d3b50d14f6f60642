"""Every write of a dataset's status, and every write guarded by its status or stage, is in maps/lifecycle.py."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("atlas", "teams", "maps", "embeddings", "workers")
HOME = ROOT / "maps" / "lifecycle.py"
STATE_FIELDS = ("status", "stage")
# Models with a status of their own, kept by their own module: a classification's (maps/classifications.py) is
# no dataset's state.
OWN_STATE = ("Classification",)


def _names_state(node: ast.AST) -> bool:
    """A keyword anywhere in node (the update's own, the filters before it, a Q inside) names status or stage."""
    return any(
        isinstance(found, ast.keyword) and found.arg is not None and found.arg.split("__")[0] in STATE_FIELDS
        for found in ast.walk(node)
    )


def _model_of(call: ast.Call) -> str | None:
    """The name a call chain starts from (Classification in Classification.objects.filter(...).update(...))."""
    node: ast.AST = call.func
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else None


def state_writes(source: str) -> list[int]:
    """Lines of `source` that write the state: an update() whose chain or arguments name status or stage, or an
    assignment to an attribute called status."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            if _names_state(node) and _model_of(node) not in OWN_STATE:
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_scan_finds_a_status_write_a_guarded_write_and_an_assignment() -> None:
    source = (
        "Dataset.objects.filter(id=i).update(status='ready')\n"
        "Dataset.objects.filter(Q(status='running'), id=i).update(progress_done=3)\n"
        "rows.filter(stage__in=['embed']).update(updated_at=now)\n"
        "dataset.status = 'failed'\n"
        "Point.objects.filter(dataset_id=i).update(x=None)\n"
        "run.stage = 'layout'\n"
        "Classification.objects.filter(id=i, status='queued').update(status='running')\n"
    )
    assert state_writes(source) == [1, 2, 3, 4]


def test_only_the_lifecycle_module_writes_a_datasets_state() -> None:
    found = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != HOME and "migrations" not in path.parts and (lines := state_writes(path.read_text()))
    }
    assert found == {}, f"state writes outside maps/lifecycle.py (file: lines): {found}"
    assert state_writes(HOME.read_text()), "the lifecycle module writes the state"
