"""docker-compose.yml, checked statically (no Docker on these machines): it parses, every image
is pinned, every port listens on 127.0.0.1 only, every ${VAR} it uses is in .env.example, each
service has a health check, Grafana is provisioned from grafana/, and no secret is committed."""

from __future__ import annotations

import re

import pytest
import yaml

from ml.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_it_has_the_services_and_profiles_the_issue_asks_for(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "grafana", "airflow", "mlflow"} <= set(services)
    assert "profiles" not in services["postgres"] and "profiles" not in services["grafana"]
    assert services["airflow"]["profiles"] == ["airflow"]
    assert services["mlflow"]["profiles"] == ["mlflow"]


def test_every_image_is_pinned(compose: dict) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: {image} is not pinned"
    assert compose["services"]["grafana"]["image"].startswith("grafana/grafana-oss:")


def test_every_port_listens_on_loopback_only(compose: dict) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port}"


def test_every_variable_is_in_env_example_and_no_secret_is_in_the_file(compose: dict) -> None:
    used = set(VARIABLE.findall(COMPOSE.read_text(encoding="utf-8")))
    assert used, "the compose file takes its settings from .env"
    assert used <= set(_env_example()), f"missing from .env.example: {used - set(_env_example())}"
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search("PASSWORD|SECRET|TOKEN", key):
                assert re.fullmatch(r"\$\{\w+\}", str(value)), f"{name}: {key} is a literal"


def test_every_service_has_a_health_check(compose: dict) -> None:
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), name


def test_grafana_is_provisioned_from_the_repository(compose: dict) -> None:
    grafana = compose["services"]["grafana"]
    volumes = {v.split(":")[0]: v.split(":")[1] for v in grafana["volumes"]}
    assert volumes["./grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load(
        (PROJECT_ROOT / "grafana/provisioning/dashboards/plpred.yaml").read_text()
    )["providers"][0]
    assert volumes["./grafana/dashboards"] == provider["options"]["path"]
    datasource = (PROJECT_ROOT / "grafana/provisioning/datasources/plpred.yaml").read_text()
    for variable in set(VARIABLE.findall(datasource)):
        assert variable in grafana["environment"], f"grafana does not get {variable}"
    for local in volumes:
        if local.startswith("./"):
            assert (PROJECT_ROOT / local).exists(), local


def test_env_is_git_ignored() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
