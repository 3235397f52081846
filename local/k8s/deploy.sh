#!/usr/bin/env bash
# local/k8s/deploy.sh — installs the service's chart into the local cluster, as the CDK service
# stack does on EKS: the locally built image imported into the node's containerd, a namespace that
# enforces Pod Security "restricted", values from the same typed mapper (local/k8s/chart-values.ts
# over the cdklocal stack outputs, plus the local overlay local/k8s/values-local.yaml), then
# `helm upgrade --install --atomic --wait`. Finally 127.0.0.1:$K8S_SERVICE_PORT forwards to the Service.
# shellcheck source=local/k8s/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
log="$LOGS/k8s-deploy.log"
: >"$log"
[ -f "$STATE/image.env" ] || die "no $STATE/image.env: run npm run image first"
# shellcheck disable=SC1091
source "$STATE/image.env"
image_ref="$IMAGE_REPOSITORY:$IMAGE_TAG"
helm="$ROOT/.tools/bin/helm"
bash "$ROOT/local/tools/helm.sh" 2>>"$log" || die "installing helm failed (log: $log)"

# The image: pods use it as is (pullPolicy Never; there is no registry). Then where the pods reach
# the emulator and Redis on the host: the node address of the built-in cluster, the kind gateway.
if [ "$K8S_PROVIDER" = kind ]; then
  run_logged "kind load image-archive" "$log" bash "$ROOT/local/k8s/kind.sh" load "$IMAGE_ARCHIVE"
  emulator_address=$(bash "$ROOT/local/k8s/kind.sh" expose-host emulator "$EMULATOR_PORT")
  redis_address=$(bash "$ROOT/local/k8s/kind.sh" expose-host redis "$REDIS_PORT")
else
  if ! ctr_k8s images ls -q 2>/dev/null | grep -qxF "$image_ref"; then
    t0=$(now)
    run_logged "importing $image_ref into containerd" "$log" ctr_k8s images import "$IMAGE_ARCHIVE"
    say "image: imported $image_ref into the node in $(elapsed "$t0")"
  else
    say "image: $image_ref already on the node"
  fi
  forward_out emulator "$K8S_NODE_IP:$EMULATOR_PORT" "$EMULATOR_PORT"
  forward_out redis "$K8S_NODE_IP:$REDIS_PORT" "$REDIS_PORT"
  emulator_address="$K8S_NODE_IP:$EMULATOR_PORT" redis_address="$K8S_NODE_IP:$REDIS_PORT"
fi

kubectl apply -f - >>"$log" 2>&1 <<NS || fail_with_log "creating namespace $SERVICE_NAMESPACE failed" "$log"
apiVersion: v1
kind: Namespace
metadata:
  name: $SERVICE_NAMESPACE
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/audit: restricted
NS

# Secrets by reference: the emulator's dummy AWS credentials and the app secret's SECRET_KEY (the
# emulator names its secrets in a form APP_SECRET_ARN rejects, so the value is copied once here).
secret_env="$K8S_STATE/secrets.env"
(umask 077
  bash "$ROOT/local/service.sh" env | grep '^SECRET_KEY=' >"$secret_env.app" || die "reading the app secret failed"
  printf 'AWS_ACCESS_KEY_ID=%s\nAWS_SECRET_ACCESS_KEY=%s\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$secret_env.aws")
apply_secret() { # apply_secret <name> <env file>
  kubectl -n "$SERVICE_NAMESPACE" create secret generic "$1" --from-env-file="$2" --dry-run=client -o yaml |
    kubectl apply -f - >>"$log" 2>&1 || fail_with_log "creating secret $1 failed" "$log"
}
apply_secret eks-service-aws-credentials "$secret_env.aws"
apply_secret eks-service-app "$secret_env.app"
rm -f "$secret_env.aws" "$secret_env.app"

values="$K8S_STATE/values.yaml"
run_logged "chart values" "$log" in_root npx tsx local/k8s/chart-values.ts --outputs "$STATE/outputs.json" \
  --image-repository "$IMAGE_REPOSITORY" --image-tag "$IMAGE_TAG" \
  --aws-endpoint-url "http://$emulator_address" --redis-url "redis://$redis_address" \
  --credentials-secret eks-service-aws-credentials --app-secret eks-service-app --out "$values"

t0=$(now)
step "helm upgrade --install $SERVICE_RELEASE (log: $log)"
run_logged "helm upgrade --install" "$log" "$helm" upgrade --install "$SERVICE_RELEASE" "$ROOT/helm/eks-service" \
  --namespace "$SERVICE_NAMESPACE" -f "$values" --atomic --wait --timeout "${K8S_HELM_TIMEOUT:-5m}"
# `helm history` prints a header line, then one line per revision starting with its number.
revision=$("$helm" -n "$SERVICE_NAMESPACE" history "$SERVICE_RELEASE" --max 1 | awk 'NR == 2 { print $1 }')
say "helm: release $SERVICE_RELEASE deployed in $(elapsed "$t0") (revision $revision)"

svc=$(kubectl -n "$SERVICE_NAMESPACE" get service -l "app.kubernetes.io/instance=$SERVICE_RELEASE,app.kubernetes.io/component=api" -o jsonpath='{.items[0].metadata.name}')
[ -n "$svc" ] || fail_with_log "no api Service in $SERVICE_NAMESPACE" "$log"
cluster_ip=$(kubectl -n "$SERVICE_NAMESPACE" get service "$svc" -o jsonpath='{.spec.clusterIP}')
svc_port=$(kubectl -n "$SERVICE_NAMESPACE" get service "$svc" -o jsonpath='{.spec.ports[0].port}')
if [ "$K8S_PROVIDER" = kind ]; then bash "$ROOT/local/k8s/kind.sh" expose-api "$svc" "$svc_port";
else forward_in api "$K8S_SERVICE_PORT" "$cluster_ip:$svc_port"; fi
wait_for "the API through 127.0.0.1:$K8S_SERVICE_PORT" 60 "$log" curl -fsS --max-time 3 "http://127.0.0.1:$K8S_SERVICE_PORT/readyz"
say "api: served by the pods of $SERVICE_NAMESPACE/$svc on http://127.0.0.1:$K8S_SERVICE_PORT"

# What the api pods run with (KEY=value lines, private): the e2e suite compares /config with it
# when it runs against the pods, as it does with .local/service.env.running for the processes.
(umask 077; kubectl -n "$SERVICE_NAMESPACE" exec -i "deploy/$SERVICE_RELEASE-api" -c api -- node - \
  <"$ROOT/local/js/pod-env.js" >"$K8S_STATE/service.env" 2>>"$log") || fail_with_log "reading the api pod's environment failed" "$log"
