// Package deploy holds oktabot's deployment files: the example environment
// file and the Kubernetes manifests under kubernetes/. It has no code; its
// test decodes every manifest strictly into the official Kubernetes API
// types (k8s.io/api), as kubectl apply --dry-run=client with strict field
// validation would, and checks that the pieces fit together and fit the bot.
package deploy
