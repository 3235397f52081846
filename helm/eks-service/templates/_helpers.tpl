{{/*
Expand the name of the chart.
*/}}
{{- define "eks-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "eks-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The name of one component's resources: <fullname>-<component>, the component kept whole.
Usage: include "eks-service.componentName" (dict "root" . "component" "api")
*/}}
{{- define "eks-service.componentName" -}}
{{- $suffix := printf "-%s" .component }}
{{- printf "%s%s" (include "eks-service.fullname" .root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "eks-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "eks-service.labels" -}}
helm.sh/chart: {{ include "eks-service.chart" . }}
{{ include "eks-service.selectorLabels" . }}
app.kubernetes.io/version: {{ include "eks-service.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "eks-service.name" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "eks-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "eks-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels and selector labels of one component (api, worker, test).
Usage: include "eks-service.componentLabels" (dict "root" . "component" "api")
*/}}
{{- define "eks-service.componentLabels" -}}
{{ include "eks-service.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "eks-service.componentSelectorLabels" -}}
{{ include "eks-service.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "eks-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "eks-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image tag: image.tag or the chart's appVersion.
*/}}
{{- define "eks-service.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/*
The image reference, pinned by digest when one is given.
*/}}
{{- define "eks-service.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "eks-service.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
Checkov skips of a pod-running object, as `checkov.io/skip<N>: <check>=<reason>` annotations: each is
rendered only when the values make the check not apply, and says why (no "=" in a reason: Checkov
splits on it). Usage: include "eks-service.checkovSkips" (dict "root" $root "secretEnv" true "extra" (list ...))
*/}}
{{- define "eks-service.checkovSkips" -}}
{{- $v := .root.Values }}
{{- $skips := list }}
{{- if not $v.image.digest }}
{{- $skips = append $skips "CKV_K8S_43=Referenced by tag because image.digest is empty. The CDK service stack tags each image with its content hash in the bootstrap ECR repository, whose tags are immutable; set image.digest to pin by digest" }}
{{- if ne $v.image.pullPolicy "Always" }}
{{- $skips = append $skips (printf "CKV_K8S_15=image.pullPolicy is %s on purpose: the images are tagged by content hash (the CDK service stack) or by release, never moved, so a cached image is the right one and pods restart while the registry is unreachable; set Always for a moving tag" $v.image.pullPolicy) }}
{{- end }}
{{- end }}
{{- if and .secretEnv (or (eq $v.aws.identity.mode "static") $v.secrets.existingSecret) }}
{{- $skips = append $skips "CKV_K8S_35=The service and the AWS SDK read SECRET_KEY, DB_PASSWORD and static AWS keys from the environment only; they come from an existing Secret by secretKeyRef and the chart never renders a value" }}
{{- end }}
{{- range .extra }}
{{- $skips = append $skips . }}
{{- end }}
{{- range $i, $skip := $skips }}
checkov.io/skip{{ add1 $i }}: {{ $skip | quote }}
{{- end }}
{{- end }}

{{/* The CKV2_K8S_6 skip of a pod-running object when the NetworkPolicies are off (the operator's choice). */}}
{{- define "eks-service.networkPolicySkip" -}}
{{- if not .Values.networkPolicy.enabled -}}
CKV2_K8S_6=networkPolicy.enabled is false in this install (a cluster that enforces no NetworkPolicy, or one whose own policies cover the namespace)
{{- end }}
{{- end }}

{{/*
Checks across values that the schema cannot express; each fails with one line naming the keys.
*/}}
{{- define "eks-service.validate" -}}
{{- $redis := .Values.config.redis }}
{{- $sources := 0 }}
{{- range $key := list "url" "host" "replicationGroupId" }}
{{- if index $redis $key }}{{ $sources = add1 $sources }}{{ end }}
{{- end }}
{{- if ne (int $sources) 1 }}
{{- fail "config.redis: set exactly one of url, host or replicationGroupId" }}
{{- end }}
{{- $drain := divf .Values.config.shutdownTimeoutMs 1000 | ceil | int }}
{{- range $component := list "api" "worker" }}
{{- $w := index $.Values $component }}
{{- $needed := add $w.preStopSleepSeconds $drain }}
{{- if le (int $w.terminationGracePeriodSeconds) (int $needed) }}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) must exceed %s.preStopSleepSeconds + config.shutdownTimeoutMs/1000 (%d)" $component (int $w.terminationGracePeriodSeconds) $component (int $needed)) }}
{{- end }}
{{- if and $w.autoscaling.enabled (gt (int $w.autoscaling.minReplicas) (int $w.autoscaling.maxReplicas)) }}
{{- fail (printf "%s.autoscaling.minReplicas (%d) must not exceed %s.autoscaling.maxReplicas (%d)" $component (int $w.autoscaling.minReplicas) $component (int $w.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Where the pods of one component may run: priority, node selection, tolerations, topology spread.
Usage: include "eks-service.podScheduling" (dict "root" $ "component" "api" "values" .Values.api)
*/}}
{{- define "eks-service.podScheduling" -}}
{{- $w := .values }}
{{- with $w.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $w.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $w.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $w.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $w.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range $key, $policy := dict "topology.kubernetes.io/zone" $w.topologySpread.zone "kubernetes.io/hostname" $w.topologySpread.node }}
  - maxSkew: {{ $w.topologySpread.maxSkew }}
    topologyKey: {{ $key }}
    whenUnsatisfiable: {{ $policy }}
    labelSelector:
      matchLabels:
        {{- include "eks-service.componentSelectorLabels" $ | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
  {{- end }}
{{- end }}
{{- end }}

{{/*
The container's named `http` port (PORT) and its probes: startup and liveness GET /healthz, readiness
GET /readyz. Both processes serve these paths on their PORT.
Usage: include "eks-service.httpPortAndProbes" (dict "port" .Values.config.port "probes" .Values.api.probes)
*/}}
{{- define "eks-service.httpPortAndProbes" -}}
ports:
  - name: http
    containerPort: {{ int .port }}
    protocol: TCP
{{- range $probe, $path := dict "startup" "/healthz" "liveness" "/healthz" "readiness" "/readyz" }}
{{ $probe }}Probe:
  httpGet:
    path: {{ $path }}
    port: http
  {{- toYaml (index $.probes $probe) | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The container's explicit environment, in this order (Kubernetes lets a later entry of the same name
win, and every entry wins over the ConfigMap): PORT (its own per component), the AWS access keys
(`static` mode), SECRET_KEY / DB_PASSWORD (`secrets.existingSecret`), `extraEnv`, `<component>.extraEnv`.
Secrets only by reference: values stay in their Secret.
Usage: include "eks-service.env" (dict "root" $ "component" "api" "port" .Values.config.port "values" .Values.api)
*/}}
{{- define "eks-service.env" -}}
{{- $root := .root }}
- name: PORT
  value: {{ int .port | toString | quote }}
{{- if and (eq .component "worker") $root.Values.config.messagesDeadLetterQueueUrl }}
{{- /* The worker reports the dead-letter queue's depth (dead_letter_queue_messages); the api never reads it. */}}
- name: MESSAGES_DLQ_URL
  value: {{ $root.Values.config.messagesDeadLetterQueueUrl | quote }}
{{- end }}
{{- if $root.Values.tracing.enabled }}
{{- /* Tracing starts only when OTEL_EXPORTER_OTLP_ENDPOINT is set; each process names itself. */}}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ required "tracing.otlpEndpoint is required when tracing.enabled is true" $root.Values.tracing.otlpEndpoint | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ include "eks-service.componentName" (dict "root" $root "component" .component) | quote }}
{{- end }}
{{- if eq $root.Values.aws.identity.mode "static" }}
{{- $cred := $root.Values.aws.credentials }}
{{- $name := required "aws.credentials.existingSecret is required when aws.identity.mode is static" $cred.existingSecret }}
{{- range $var, $key := dict "AWS_ACCESS_KEY_ID" $cred.keys.accessKeyId "AWS_SECRET_ACCESS_KEY" $cred.keys.secretAccessKey }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- with $root.Values.secrets.existingSecret }}
{{- range $var, $key := $root.Values.secrets.keys }}
{{- if $key }}
{{- /* Optional, so that a missing key means "not set" (then APP_SECRET_ARN, if any, provides it). */}}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.existingSecret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The Deployment of one component (api or worker) whose process listens on "port".
Usage: include "eks-service.deployment" (dict "root" . "component" "api" "values" .Values.api "port" .Values.config.port)
*/}}
{{- define "eks-service.deployment" -}}
{{- $root := .root }}
{{- $w := .values }}
{{- $ctx := dict "root" $root "component" .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "eks-service.componentName" $ctx }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "eks-service.componentLabels" $ctx | nindent 4 }}
  {{- $npSkip := list }}
  {{- with include "eks-service.networkPolicySkip" $root }}{{ $npSkip = append $npSkip . }}{{ end }}
  {{- /* Checkov applies a Deployment's skips to its pod template too (CKV2_K8S_6 is checked on the pods). */}}
  {{- with include "eks-service.checkovSkips" (dict "root" $root "secretEnv" true "extra" $npSkip) | trim }}
  annotations:
    {{- . | nindent 4 }}
  {{- end }}
spec:
  {{- if not $w.autoscaling.enabled }}
  replicas: {{ $w.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "eks-service.componentSelectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: {{ $w.maxSurge }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        {{- with $w.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      labels:
        {{- include "eks-service.componentLabels" $ctx | nindent 8 }}
        {{- with $w.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "eks-service.serviceAccountName" $root }}
      # The app never calls the Kubernetes API. IRSA and Pod Identity inject their own projected token.
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $w.terminationGracePeriodSeconds }}
      {{- with include "eks-service.podScheduling" (merge (dict "values" $w) $ctx) | trim }}
      {{- . | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "eks-service.image" $root | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command:
            {{- toYaml $w.command | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ include "eks-service.fullname" $root }}
          env:
            {{- include "eks-service.env" (dict "root" $root "component" .component "port" .port "values" $w) | trim | nindent 12 }}
          {{- include "eks-service.httpPortAndProbes" (dict "port" .port "probes" $w.probes) | nindent 10 }}
          {{- if gt (int $w.preStopSleepSeconds) 0 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $w.preStopSleepSeconds }}
          {{- end }}
          resources:
            {{- toYaml $w.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $root.Values.tmpVolume.sizeLimit }}
{{- end }}

{{/*
HorizontalPodAutoscaler of one component.
*/}}
{{- define "eks-service.hpa" -}}
{{- $w := .values }}
{{- $ctx := dict "root" .root "component" .component }}
{{- $name := include "eks-service.componentName" $ctx }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $name }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "eks-service.componentLabels" $ctx | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $name }}
  minReplicas: {{ $w.autoscaling.minReplicas }}
  maxReplicas: {{ $w.autoscaling.maxReplicas }}
  metrics:
    {{- range $resource, $target := dict "cpu" $w.autoscaling.targetCPUUtilizationPercentage "memory" $w.autoscaling.targetMemoryUtilizationPercentage }}
    {{- if gt (int $target) 0 }}
    - type: Resource
      resource:
        name: {{ $resource }}
        target:
          type: Utilization
          averageUtilization: {{ $target }}
    {{- end }}
    {{- end }}
  {{- with $w.autoscaling.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
PodDisruptionBudget of one component.
*/}}
{{- define "eks-service.pdb" -}}
{{- $pdb := .values.podDisruptionBudget }}
{{- $ctx := dict "root" .root "component" .component }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "eks-service.componentName" $ctx }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "eks-service.componentLabels" $ctx | nindent 4 }}
spec:
  {{- if ne (toString $pdb.minAvailable) "" }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- end }}
  # Evict pods that are not ready yet, so a crash-looping pod never blocks a node drain.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "eks-service.componentSelectorLabels" $ctx | nindent 6 }}
{{- end }}

{{/*
The TCP port of tracing.otlpEndpoint: the URL's own, else 443 for https and 80 for http.
*/}}
{{- define "eks-service.otlpPort" -}}
{{- $u := urlParse .Values.tracing.otlpEndpoint }}
{{- $port := regexFind ":[0-9]+$" $u.host | trimPrefix ":" }}
{{- if $port }}{{ $port }}{{ else if eq $u.scheme "https" }}443{{ else }}80{{ end }}
{{- end }}
