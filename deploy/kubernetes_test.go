package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"oktabot/actions"
	"oktabot/auth"
)

// kinds are the API types the manifests may use, by apiVersion and kind.
var kinds = map[string]func() any{
	"v1/Secret":                     func() any { return &corev1.Secret{} },
	"v1/ConfigMap":                  func() any { return &corev1.ConfigMap{} },
	"v1/PersistentVolumeClaim":      func() any { return &corev1.PersistentVolumeClaim{} },
	"apps/v1/Deployment":            func() any { return &appsv1.Deployment{} },
	"policy/v1/PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
}

// objects is one way of deploying: the common files and one variant's.
type objects struct {
	secrets     map[string]*corev1.Secret
	configMaps  map[string]*corev1.ConfigMap
	pvcs        map[string]*corev1.PersistentVolumeClaim
	deployments []*appsv1.Deployment
	pdbs        []*policyv1.PodDisruptionBudget
}

// load decodes every document of the YAML files in dirs strictly: an
// unknown or misspelt field, a wrong type or a duplicate key fails.
func load(t *testing.T, dirs ...string) objects {
	t.Helper()
	o := objects{secrets: map[string]*corev1.Secret{}, configMaps: map[string]*corev1.ConfigMap{}, pvcs: map[string]*corev1.PersistentVolumeClaim{}}
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if len(files) == 0 {
			t.Fatalf("no manifests in %s", dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
				if strings.TrimSpace(stripComments(doc)) == "" {
					continue
				}
				var tm metav1.TypeMeta
				if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
					t.Fatalf("%s #%d: %v", f, i, err)
				}
				newObj := kinds[tm.APIVersion+"/"+tm.Kind]
				if newObj == nil {
					t.Fatalf("%s #%d: apiVersion %q kind %q is not one the test knows", f, i, tm.APIVersion, tm.Kind)
				}
				obj := newObj()
				if err := decodeStrict(doc, obj); err != nil {
					t.Fatalf("%s #%d (%s): %v", f, i, tm.Kind, err)
				}
				where := fmt.Sprintf("%s: %s", f, tm.Kind)
				switch v := obj.(type) {
				case *corev1.Secret:
					o.secrets[name(t, where, v.ObjectMeta)] = v
				case *corev1.ConfigMap:
					o.configMaps[name(t, where, v.ObjectMeta)] = v
				case *corev1.PersistentVolumeClaim:
					o.pvcs[name(t, where, v.ObjectMeta)] = v
				case *appsv1.Deployment:
					name(t, where, v.ObjectMeta)
					o.deployments = append(o.deployments, v)
				case *policyv1.PodDisruptionBudget:
					name(t, where, v.ObjectMeta)
					o.pdbs = append(o.pdbs, v)
				}
			}
		}
	}
	return o
}

// decodeStrict decodes a YAML document as the API server's strict field
// validation does: YAML to JSON (duplicate keys fail), then field names
// matched case-sensitively, unknown and duplicate fields failing.
func decodeStrict(doc string, obj any) error {
	js, err := yaml.YAMLToJSONStrict([]byte(doc))
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(js, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func name(t *testing.T, where string, m metav1.ObjectMeta) string {
	t.Helper()
	if !dnsName.MatchString(m.Name) || len(m.Name) > 63 {
		t.Errorf("%s: metadata.name %q is not a DNS label", where, m.Name)
	}
	if m.Namespace != "" {
		t.Errorf("%s: sets a namespace; leave it to kubectl -n", where)
	}
	return m.Name
}

func TestSQLiteDeployment(t *testing.T) {
	o := load(t, "kubernetes", "kubernetes/sqlite")
	d := checkDeployment(t, o)
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("SQLite: replicas %d, strategy %s; want 1, Recreate (one writer, a ReadWriteOnce volume)", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	c := d.Spec.Template.Spec.Containers[0]
	db := env(c, "OKTABOT_DATABASE_URL")
	mount := mountOf(t, d, filepath.Dir(db))
	v := volume(t, d, mount.Name)
	if v.PersistentVolumeClaim == nil || o.pvcs[v.PersistentVolumeClaim.ClaimName] == nil || mount.ReadOnly {
		t.Fatalf("the database %s is not on a writable PersistentVolumeClaim of these manifests", db)
	}
	pvc := o.pvcs[v.PersistentVolumeClaim.ClaimName]
	if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) ||
		pvc.Spec.Resources.Requests.Storage().Cmp(resource.MustParse("100Mi")) < 0 {
		t.Errorf("PVC %s: %v %v", pvc.Name, pvc.Spec.AccessModes, pvc.Spec.Resources.Requests)
	}
	if d.Spec.Template.Spec.SecurityContext.FSGroup == nil {
		t.Error("no fsGroup: the volume would not be writable by the non-root user")
	}
}

func TestPostgresDeployment(t *testing.T) {
	o := load(t, "kubernetes", "kubernetes/postgres")
	d := checkDeployment(t, o)
	if *d.Spec.Replicas < 2 {
		t.Errorf("replicas %d, want 2 or more", *d.Spec.Replicas)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if env(c, "OKTABOT_DATABASE_URL") != "" {
		t.Error("OKTABOT_DATABASE_URL is set: the URL may hold a password, use OKTABOT_DATABASE_URL_FILE")
	}
	url := secretFile(t, o, d, env(c, "OKTABOT_DATABASE_URL_FILE"))
	if !strings.HasPrefix(url, "postgres://") {
		t.Errorf("the database URL %q is not postgres://", url)
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			t.Errorf("volume %s: replicas share PostgreSQL, not a volume", v.Name)
		}
	}
	if len(o.pdbs) != 1 || o.pdbs[0].Spec.MinAvailable == nil || !selects(o.pdbs[0].Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("the PodDisruptionBudget does not keep a replica of the Deployment up: %+v", o.pdbs)
	}
}

// checkDeployment checks what both variants share and returns the one
// Deployment.
func checkDeployment(t *testing.T, o objects) *appsv1.Deployment {
	t.Helper()
	if len(o.deployments) != 1 {
		t.Fatalf("%d Deployments, want 1", len(o.deployments))
	}
	d := o.deployments[0]
	spec := d.Spec.Template.Spec
	if d.Spec.Replicas == nil || !selects(d.Spec.Selector, d.Spec.Template.Labels) {
		t.Fatalf("Deployment %s: no replicas, or its selector does not select its pods", d.Name)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]

	// Locked down: not root, read-only root, no privileges, no API token.
	psc, sc := spec.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532:
		t.Error("the pod does not run as non-root user 65532 (the image's nonroot)")
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("no RuntimeDefault seccomp profile")
	case sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("the root file system is not read-only")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("privilege escalation is allowed")
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Error("capabilities are not all dropped")
	case spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken:
		t.Error("the service account token is mounted; oktabot never calls the Kubernetes API")
	}
	if c.Image == "" || c.Resources.Limits.Memory().IsZero() {
		t.Error("no image, or no memory limit")
	}

	// Probes: /healthz for liveness, /readyz for readiness, on the port
	// the bot listens on.
	addr := env(c, "OKTABOT_HTTP_ADDR")
	if addr == "" {
		addr = ":8080" // the image's
	}
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want {
			t.Errorf("no probe of %s", want)
			continue
		}
		port := probe.HTTPGet.Port
		if port.Type == intstr.String {
			var found bool
			for _, p := range c.Ports {
				if p.Name == port.StrVal {
					port, found = intstr.FromInt32(p.ContainerPort), true
				}
			}
			if !found {
				t.Errorf("probe of %s: no container port named %q", want, port.StrVal)
			}
		}
		if ":"+port.String() != addr {
			t.Errorf("probe of %s on port %s, the bot listens on %s", want, port.String(), addr)
		}
	}

	// Every volume mount has its volume, every volume its object.
	for _, m := range c.VolumeMounts {
		v := volume(t, d, m.Name)
		switch {
		case v.Secret != nil && o.secrets[v.Secret.SecretName] == nil:
			t.Errorf("volume %s: no Secret %s in these manifests", v.Name, v.Secret.SecretName)
		case v.ConfigMap != nil && o.configMaps[v.ConfigMap.Name] == nil:
			t.Errorf("volume %s: no ConfigMap %s in these manifests", v.Name, v.ConfigMap.Name)
		case v.Secret != nil && (v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o004 != 0 || *v.Secret.DefaultMode&0o040 == 0):
			t.Errorf("volume %s: secret files must be readable by the fsGroup and not by others", v.Name)
		case (v.Secret != nil || v.ConfigMap != nil) && !m.ReadOnly:
			t.Errorf("mount %s is not read-only", m.Name)
		}
	}

	// Secrets come from files, each a key of a mounted Secret.
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "OKTA_CLIENT_TOKEN"} {
		if env(c, name) != "" {
			t.Errorf("%s is set in the environment: mount it and set %s_FILE", name, name)
		}
		secretFile(t, o, d, env(c, name+"_FILE"))
	}
	if env(c, "OKTA_CLIENT_ORGURL") == "" {
		t.Error("no OKTA_CLIENT_ORGURL")
	}
	for _, e := range c.Env {
		if strings.HasSuffix(e.Name, "_FILE") && env(c, strings.TrimSuffix(e.Name, "_FILE")) != "" {
			t.Errorf("both %s and %s are set", strings.TrimSuffix(e.Name, "_FILE"), e.Name)
		}
		if e.ValueFrom != nil {
			t.Errorf("%s comes from valueFrom: secrets are files here", e.Name)
		}
	}

	// The policy: a mounted ConfigMap, as a directory (subPath mounts
	// never see updates, so the bot could not reload), and valid.
	policy := env(c, "OKTABOT_POLICY_FILE")
	m := mountOf(t, d, filepath.Dir(policy))
	if m.SubPath != "" {
		t.Errorf("the policy is mounted with subPath: updates to the ConfigMap would never reach the pod")
	}
	v := volume(t, d, m.Name)
	if v.ConfigMap == nil || o.configMaps[v.ConfigMap.Name] == nil {
		t.Fatalf("the policy %s is not from a ConfigMap of these manifests", policy)
	}
	text, ok := o.configMaps[v.ConfigMap.Name].Data[filepath.Base(policy)]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %s", v.ConfigMap.Name, filepath.Base(policy))
	}
	p, err := auth.Parse(policy, []byte(text), auth.Names{Actions: actions.Default().Names(), RoleTypes: actions.RoleTypes})
	if err != nil {
		t.Errorf("the ConfigMap's policy is not valid:\n%v", err)
	} else if w := p.Warnings(); len(w) > 0 {
		t.Errorf("the ConfigMap's policy has warnings: %q", w)
	}

	// Writable places exist for what the bot writes, the root being
	// read-only.
	mountOf(t, d, "/tmp")
	return d
}

func env(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func volume(t *testing.T, d *appsv1.Deployment, name string) corev1.Volume {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %q", name)
	return corev1.Volume{}
}

// mountOf is the container's mount at dir.
func mountOf(t *testing.T, d *appsv1.Deployment, dir string) corev1.VolumeMount {
	t.Helper()
	for _, m := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
		if m.MountPath == dir {
			return m
		}
	}
	t.Fatalf("nothing is mounted at %s", dir)
	return corev1.VolumeMount{}
}

// secretFile is the content of the file path the container sees, a key of
// a Secret of the manifests mounted at its directory.
func secretFile(t *testing.T, o objects, d *appsv1.Deployment, path string) string {
	t.Helper()
	if path == "" {
		t.Fatal("a _FILE variable is missing")
	}
	v := volume(t, d, mountOf(t, d, filepath.Dir(path)).Name)
	if v.Secret == nil || o.secrets[v.Secret.SecretName] == nil {
		t.Fatalf("%s is not in a Secret of these manifests", path)
	}
	s := o.secrets[v.Secret.SecretName]
	key := filepath.Base(path)
	if val, ok := s.StringData[key]; ok {
		return val
	}
	if val, ok := s.Data[key]; ok {
		return string(bytes.TrimSuffix(val, []byte("\n")))
	}
	t.Fatalf("Secret %s has no key %s", s.Name, key)
	return ""
}

func selects(sel *metav1.LabelSelector, labels map[string]string) bool {
	if sel == nil || len(sel.MatchLabels) == 0 {
		return false
	}
	for k, v := range sel.MatchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestStrictDecodingCatchesMistakes: the check above would catch what
// kubectl's strict validation does.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	for _, c := range []struct {
		doc string
		obj any
	}{
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 2}\n", &appsv1.Deployment{}},
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two}\n", &appsv1.Deployment{}},
		{"apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: b}\nstringData: {c: d}\n", &corev1.Secret{}},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, label: {a: b}}\n", &corev1.ConfigMap{}},
		// encoding/json would take this: field names are case-sensitive.
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {Replicas: 2}\n", &appsv1.Deployment{}},
	} {
		if err := decodeStrict(c.doc, c.obj); err == nil {
			t.Errorf("accepted:\n%s", c.doc)
		}
	}
	// And the same documents, spelt right, are accepted.
	if err := decodeStrict("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {a: b}}\n", &corev1.ConfigMap{}); err != nil {
		t.Error(err)
	}
}
