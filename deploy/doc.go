// Package deploy holds no code: its tests check the deployment files beside
// it (the Kubernetes manifests, the Helm chart, the compose file and the
// container image's default config) against the Kubernetes API types and
// against the real bridge binary.
package deploy
