"""The configuration files people copy from agree with the code that reads them."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Every package of the app and its ground libraries.
PACKAGES = ("atlas", "teams", "maps", "embeddings", "workers", "tables", "embedding", "words")
ENV_READ = re.compile(r"""(?:env_(?:str|int|float|bool|list)|environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in (path for package in PACKAGES for path in (ROOT / package).rglob("*.py")):
        names |= set(ENV_READ.findall(path.read_text()))
    return names


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_the_dockerfile_copies_every_package_the_project_installs() -> None:
    import tomllib

    installed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = {name.rstrip("*") for name in installed["include"]}
    assert packages == set(PACKAGES)
    copied = set(re.findall(r"^COPY (\w+)/ \1/$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE))
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"


def test_env_example_lists_exactly_the_variables_the_code_reads() -> None:
    assert variables_read_by_the_code() == variables_in_env_example()


def test_docker_compose_runs_every_service_with_the_variables_the_app_needs() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker-build", "worker-embed"}
    assert services["db"]["image"].startswith("pgvector/pgvector:pg18")
    assert services["redis"]["image"].startswith("redis:")
    assert "gunicorn" in " ".join(services["web"]["command"])
    # One worker service per queue, each taking one task at a time so builds share the workers fairly.
    for name, queue in (("worker-build", "builds"), ("worker-embed", "embed")):
        command = services[name]["command"]
        assert command[:4] == ["celery", "-A", "atlas", "worker"], name
        assert command[command.index("--queues") + 1] == queue, name
        assert command[command.index("--prefetch-multiplier") + 1] == "1", name
    needed = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "ATLAS_DATA_DIR"}
    for name in ("web", "worker-build", "worker-embed"):
        service = services[name]
        assert needed <= set(service["environment"]), name
        assert service["environment"]["DATABASE_URL"].endswith("@db:5432/atlas")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379")
        # Uploads written by the web process are read by the worker: the same volume on the same path.
        assert "atlasdata:/data" in service["volumes"]
        assert service["build"] == "."
        assert set(service["depends_on"]) == {"db", "redis"}
    assert (ROOT / "Dockerfile").exists()


def test_the_readme_opens_with_the_two_commands_and_ci_runs_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert [line.strip() for line in first_block.strip().splitlines()[-2:]] == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][-1] == "make test"


def test_the_readme_documents_every_api_endpoint() -> None:
    from atlas.api import api

    readme = (ROOT / "README.md").read_text()
    paths = [path for path in api.get_openapi_schema(path_params={})["paths"] if path.startswith("/api/v1/")]
    assert len(paths) > 15, "the OpenAPI document lists the API's paths"
    for path in paths:
        documented = re.sub(r"\{(\w+)\}", r"<\1>", path)
        assert documented in readme, documented


def test_every_way_of_serving_the_web_app_logs_access_through_the_redacting_logger() -> None:
    """make run, the Dockerfile and docker-compose all run gunicorn; each must blank secrets in logged URLs."""
    from atlas.stack import web_command

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    commands = {
        "make run": " ".join(web_command("127.0.0.1", 8000)),
        "Dockerfile": next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if "gunicorn" in line),
        "docker-compose": " ".join(compose["services"]["web"]["command"]),
    }
    for where, command in commands.items():
        assert re.search(r'--logger-class"?,? "?atlas\.weblog\.AccessLogger', command), where
