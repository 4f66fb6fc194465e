"""deploy/ for the distributed mode: the compose override and the Kubernetes manifests.

Neither Docker nor a cluster (nor kubeconform / kubectl, which are not on PyPI) is available
here, so the compose override is checked against the compose-spec schema check-jsonschema
vendors, and the manifests against a small JSON schema of the fields they must carry plus the
cross-references a cluster would only report at run time (selectors, Secret and ConfigMap names).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from tests.deploy.test_deploy_files import (
    COMPOSE_DIR,
    DEPLOY,
    compose_spec_errors,
    needs_compose_spec,
)

COMPOSE_DISTRIBUTED = COMPOSE_DIR / "compose.distributed.yml"
K8S = DEPLOY / "kubernetes"

CONTAINER = {
    "type": "object",
    "required": ["name", "image", "args"],
    "properties": {
        "name": {"type": "string"},
        "image": {"type": "string"},
        "args": {"type": "array", "items": {"type": "string"}},
        "envFrom": {"type": "array"},
        "securityContext": {
            "type": "object",
            "required": ["allowPrivilegeEscalation", "readOnlyRootFilesystem"],
            "properties": {"allowPrivilegeEscalation": {"const": False}},
        },
    },
}
POD_SPEC = {
    "type": "object",
    "required": ["containers", "securityContext"],
    "properties": {
        "containers": {"type": "array", "minItems": 1, "items": CONTAINER},
        "securityContext": {"required": ["runAsNonRoot"]},
    },
}
TEMPLATE = {
    "type": "object",
    "required": ["metadata", "spec"],
    "properties": {"spec": POD_SPEC},
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Deployment": {
        "properties": {
            "apiVersion": {"const": "apps/v1"},
            "spec": {
                "type": "object",
                "required": ["selector", "template"],
                "properties": {"template": TEMPLATE, "replicas": {"type": "integer"}},
            },
        }
    },
    "Job": {
        "properties": {
            "apiVersion": {"const": "batch/v1"},
            "spec": {
                "type": "object",
                "required": ["template"],
                "properties": {"template": TEMPLATE},
            },
        }
    },
    "Service": {"properties": {"apiVersion": {"const": "v1"}, "spec": {"required": ["selector"]}}},
    "Secret": {"properties": {"apiVersion": {"const": "v1"}, "stringData": {"type": "object"}}},
    "ConfigMap": {"properties": {"apiVersion": {"const": "v1"}, "data": {"type": "object"}}},
}
BASE = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {"metadata": {"type": "object", "required": ["name"]}},
}


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return docs


def manifest_errors(doc: dict[str, Any]) -> list[str]:
    schema = {"allOf": [BASE, SCHEMAS.get(doc.get("kind", ""), {"not": {}})]}
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests() if d["kind"] == kind}


@needs_compose_spec
def test_distributed_compose_override_matches_the_compose_spec() -> None:
    doc = yaml.safe_load(COMPOSE_DISTRIBUTED.read_text(encoding="utf-8"))
    assert compose_spec_errors(doc) == []


def test_distributed_compose_scales_workers_on_postgresql() -> None:
    doc = yaml.safe_load(COMPOSE_DISTRIBUTED.read_text(encoding="utf-8"))
    worker = doc["services"]["worker"]
    assert worker["command"][0] == "worker" and "--concurrency" in worker["command"]
    # --scale needs no fixed name and no host port
    assert "container_name" not in worker and "ports" not in worker
    for name in ("serve", "worker", "migrate"):
        env = doc["services"][name]["environment"]
        assert env["STRAVA_REHAB_RUNNER"] == "procrastinate"
        assert env["STRAVA_REHAB_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "distributed" in doc["services"][name]["build"]["args"]["EXTRAS"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_kubernetes_manifests_have_the_expected_shape() -> None:
    docs = manifests()
    assert {d["kind"] for d in docs} == {"Deployment", "Job", "Service", "Secret", "ConfigMap"}
    assert {name: manifest_errors(d) for d in docs for name in [d["metadata"]["name"]]} == {
        d["metadata"]["name"]: [] for d in docs
    }


def test_manifest_check_catches_mistakes() -> None:
    web = by_kind("Deployment")["strava-rehab-web"]
    broken = yaml.safe_load(yaml.safe_dump(web))
    del broken["spec"]["template"]["spec"]["containers"][0]["image"]
    assert manifest_errors(broken) != []
    assert manifest_errors({**web, "kind": "Deploymnet"}) != []


def test_kubernetes_cross_references_resolve() -> None:
    secrets, configs = by_kind("Secret"), by_kind("ConfigMap")
    deployments = by_kind("Deployment")
    assert set(deployments) == {"strava-rehab-web", "strava-rehab-worker"}
    pods = [d["spec"]["template"] for d in deployments.values()]
    pods += [j["spec"]["template"] for j in by_kind("Job").values()]
    for deployment in deployments.values():
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items()
    for pod in pods:
        for container in pod["spec"]["containers"]:
            for source in container["envFrom"]:
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configs
    web_pods = {
        tuple(sorted(d["spec"]["template"]["metadata"]["labels"].items()))
        for d in [deployments["strava-rehab-web"]]
    }
    for service in by_kind("Service").values():
        assert tuple(sorted(service["spec"]["selector"].items())) in web_pods
    assert by_kind("Job")["strava-rehab-migrate"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ] == ["db", "upgrade"]
    worker = deployments["strava-rehab-worker"]["spec"]["template"]["spec"]
    assert worker["containers"][0]["args"][0] == "worker"
    assert worker["terminationGracePeriodSeconds"] >= 60  # time for running jobs on SIGTERM


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: Path(p).name)
def test_kubernetes_secret_values_are_left_empty(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if doc and doc["kind"] == "Secret":
            assert set(doc["stringData"].values()) == {""}
        if doc and doc["kind"] == "ConfigMap":
            assert not any("SECRET" in key or "PASSWORD" in key for key in doc["data"])
