#!/usr/bin/env bash
# Ensures <repo>/.tools/bin/helm is Helm HELM_VERSION (Helm 3, built from the Go module proxy).
# Idempotent: does nothing when the link already reports the pinned version.
# Usage: bash local/tools/helm.sh
# shellcheck source=local/tools/go-tool.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh"

HELM_VERSION=v3.22.0
# The Kubernetes version Helm assumes without a cluster (`.Capabilities.KubeVersion`, lint
# deprecations). Helm's own Makefile derives it from its client-go; the project targets 1.35 and
# the checks also pass --kube-version explicitly.
HELM_K8S_MAJOR=1
HELM_K8S_MINOR=35

ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=$HELM_K8S_MAJOR -X $pkg.k8sVersionMinor=$HELM_K8S_MINOR"
done

ensure_go_tool helm helm.sh/helm/v3 ./cmd/helm "$HELM_VERSION" "version --template={{.Version}}" "$ldflags"
