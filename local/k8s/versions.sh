#!/usr/bin/env bash
# The one home of the local cluster's component versions (sourced by the local/k8s scripts).
# Kubernetes matches the EKS version of the stages (lib/config); the others are the releases
# that version is tested with.
# shellcheck disable=SC2034 # read by the scripts that source this file
K8S_VERSION=v1.35.4
ETCD_VERSION=v3.6.6
CONTAINERD_VERSION=v2.2.9
COREDNS_VERSION=v1.14.7
