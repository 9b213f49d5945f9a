// Command validate checks rendered Kubernetes manifests without an API server: every YAML document is decoded strictly
// into the typed objects of k8s.io/api (an unknown field, a wrong type or an unknown kind fails), then the house rules of
// the DMS MLflow chart are checked across the documents. It reads the files named on the command line (or standard
// input), prints one line per object and a summary, and exits 1 when anything failed.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// document is one decoded object, its YAML and where it came from.
type document struct {
	source string
	obj    runtime.Object
	kind   string
	meta   metav1.Object
	gvk    schema.GroupVersionKind
	raw    []byte
}

func (d document) String() string {
	return fmt.Sprintf("%s/%s", d.kind, d.meta.GetName())
}

// workload is a pod template with the object that owns it.
type workload struct {
	doc      document
	replicas int32
	template corev1.PodTemplateSpec
}

// secretish names environment variables that must never carry a literal value.
var secretish = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|CREDENTIAL)`)

type checker struct {
	failures []string
	rules    map[string]int
}

func (c *checker) fail(where, format string, args ...any) {
	c.failures = append(c.failures, where+": "+fmt.Sprintf(format, args...))
}

func (c *checker) checked(rule string) {
	c.rules[rule]++
}

func main() {
	dryRunServer := flag.String("dry-run-server", "", "also create every object on this Kubernetes API server with dryRun=All "+
		"(its admission and validation run, nothing is stored)")
	tokenFile := flag.String("token-file", "", "the file holding the API server's bearer token (with -dry-run-server)")
	caFile := flag.String("ca-file", "", "the PEM file of the CA that signed the API server's certificate (with -dry-run-server)")
	namespace := flag.String("namespace", "default", "the namespace of namespaced objects that name none (helm template --namespace)")
	flag.Parse()
	inputs := flag.Args()
	c := &checker{rules: map[string]int{}}
	var docs []document
	if len(inputs) == 0 {
		docs = append(docs, decodeAll(c, "<stdin>", os.Stdin)...)
	}
	for _, name := range inputs {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		docs = append(docs, decodeAll(c, name, f)...)
		f.Close()
	}
	if len(docs) == 0 && len(c.failures) == 0 {
		c.fail("input", "no Kubernetes object found")
	}
	houseRules(c, docs)
	if *dryRunServer != "" && len(c.failures) == 0 {
		dryRun(c, docs, *dryRunServer, *tokenFile, *caFile, *namespace)
	}

	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.kind]++
	}
	fmt.Printf("decoded strictly into k8s.io/api types: %d objects (%s)\n", len(docs), summary(kinds))
	fmt.Printf("house rules checked: %s\n", summary(c.rules))
	if len(c.failures) > 0 {
		for _, f := range c.failures {
			fmt.Println("FAIL " + f)
		}
		fmt.Printf("%d problems\n", len(c.failures))
		os.Exit(1)
	}
	fmt.Println("no problems")
}

func summary(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

// decodeAll splits a YAML stream into documents and decodes each strictly.
func decodeAll(c *checker, name string, r io.Reader) []document {
	// strict: unknown and duplicate fields are errors, not silently dropped
	decoder := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var docs []document
	for index := 0; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			c.fail(name, "cannot read YAML: %v", err)
			return docs
		}
		source := sourceOf(name, index, raw)
		if isEmpty(raw) {
			continue
		}
		obj, gvk, err := decoder.Decode(raw, nil, nil)
		if err != nil {
			c.fail(source, "%v", err)
			continue
		}
		meta, err := metaOf(obj)
		if err != nil {
			c.fail(source, "%v", err)
			continue
		}
		d := document{source: source, obj: obj, kind: gvk.Kind, meta: meta, gvk: *gvk, raw: raw}
		if errs := validation.IsDNS1123Subdomain(meta.GetName()); len(errs) > 0 {
			c.fail(source, "%s: metadata.name %q: %s", d, meta.GetName(), strings.Join(errs, "; "))
		}
		for k, v := range meta.GetLabels() {
			if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
				c.fail(source, "%s: label %s=%q: %s", d, k, v, strings.Join(errs, "; "))
			}
		}
		fmt.Printf("ok   %-22s %-45s %s\n", gvk.GroupVersion().String(), d.String(), source)
		docs = append(docs, d)
	}
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	accessor, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return accessor, nil
}

// sourceOf names a document by helm's "# Source:" comment when it has one.
func sourceOf(name string, index int, raw []byte) string {
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source:"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return fmt.Sprintf("%s#%d", name, index)
}

func isEmpty(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 && trimmed[0] != '#' && !bytes.Equal(trimmed, []byte("---")) {
			return false
		}
	}
	return true
}

func houseRules(c *checker, docs []document) {
	var workloads []workload
	var pdbs []*policyv1.PodDisruptionBudget
	for _, d := range docs {
		switch o := d.obj.(type) {
		case *appsv1.Deployment:
			workloads = append(workloads, workload{d, replicasOf(o.Spec.Replicas), o.Spec.Template})
			checkSelector(c, d, o.Spec.Selector, o.Spec.Template.Labels)
		case *appsv1.StatefulSet:
			workloads = append(workloads, workload{d, replicasOf(o.Spec.Replicas), o.Spec.Template})
			checkSelector(c, d, o.Spec.Selector, o.Spec.Template.Labels)
		case *appsv1.DaemonSet:
			workloads = append(workloads, workload{d, 1, o.Spec.Template})
		case *batchv1.Job:
			workloads = append(workloads, workload{d, 1, o.Spec.Template})
		case *corev1.Pod:
			workloads = append(workloads, workload{d, 1, corev1.PodTemplateSpec{ObjectMeta: o.ObjectMeta, Spec: o.Spec}})
		case *policyv1.PodDisruptionBudget:
			pdbs = append(pdbs, o)
		case *corev1.Secret:
			c.checked("no inline Secret data")
			if len(o.Data) > 0 || len(o.StringData) > 0 {
				c.fail(d.source, "%s carries inline data: secrets are referenced by name, never rendered from values", d)
			}
		}
	}
	for _, w := range workloads {
		checkPod(c, w)
		if w.replicas > 1 {
			c.checked("PodDisruptionBudget when replicas > 1")
			if !coveredByPDB(w, pdbs) {
				c.fail(w.doc.source, "%s has %d replicas but no PodDisruptionBudget selects its pods", w.doc, w.replicas)
			}
		}
	}
	for _, d := range docs {
		if svc, ok := d.obj.(*corev1.Service); ok && len(svc.Spec.Selector) > 0 {
			c.checked("Service selects a workload")
			if !selectsAny(labels.SelectorFromSet(svc.Spec.Selector), svc.Namespace, workloads) {
				c.fail(d.source, "%s selects no pod of the rendered workloads (selector %v)", d, svc.Spec.Selector)
			}
		}
		if pdb, ok := d.obj.(*policyv1.PodDisruptionBudget); ok {
			c.checked("PodDisruptionBudget selects a workload")
			selector, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil || pdb.Spec.Selector == nil || selector.Empty() {
				c.fail(d.source, "%s has no usable selector", d)
			} else if !selectsAny(selector, pdb.Namespace, workloads) {
				c.fail(d.source, "%s selects no pod of the rendered workloads", d)
			}
		}
	}
}

func replicasOf(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

func checkSelector(c *checker, d document, selector *metav1.LabelSelector, podLabels map[string]string) {
	s, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil || selector == nil || s.Empty() || !s.Matches(labels.Set(podLabels)) {
		c.fail(d.source, "%s: spec.selector does not match its pod template's labels", d)
	}
}

func selectsAny(selector labels.Selector, namespace string, workloads []workload) bool {
	for _, w := range workloads {
		if w.doc.meta.GetNamespace() == namespace && selector.Matches(labels.Set(w.template.Labels)) {
			return true
		}
	}
	return false
}

func coveredByPDB(w workload, pdbs []*policyv1.PodDisruptionBudget) bool {
	for _, pdb := range pdbs {
		if pdb.Namespace != w.doc.meta.GetNamespace() || pdb.Spec.Selector == nil {
			continue
		}
		selector, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err == nil && !selector.Empty() && selector.Matches(labels.Set(w.template.Labels)) {
			return true
		}
	}
	return false
}

func checkPod(c *checker, w workload) {
	spec := w.template.Spec
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
	}
	podNonRoot := spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		c.checked("service account token mounted only on purpose")
		if spec.ServiceAccountName == "" || spec.ServiceAccountName == "default" {
			c.fail(w.doc.source, "%s mounts the token of the namespace's default service account", w.doc)
		}
	}
	type named struct {
		c    corev1.Container
		init bool
	}
	var all []named
	for _, ct := range spec.InitContainers {
		all = append(all, named{ct, true})
	}
	for _, ct := range spec.Containers {
		all = append(all, named{ct, false})
	}
	for _, n := range all {
		ct := n.c
		where := fmt.Sprintf("%s container %s", w.doc, ct.Name)
		if !n.init {
			c.checked("liveness and readiness probes")
			if ct.LivenessProbe == nil {
				c.fail(w.doc.source, "%s has no livenessProbe", where)
			}
			if ct.ReadinessProbe == nil {
				c.fail(w.doc.source, "%s has no readinessProbe", where)
			}
			for _, p := range []*corev1.Probe{ct.LivenessProbe, ct.ReadinessProbe, ct.StartupProbe} {
				if p != nil && p.HTTPGet != nil && p.HTTPGet.Port.StrVal != "" && !hasPort(ct, p.HTTPGet.Port.StrVal) {
					c.fail(w.doc.source, "%s probes port %q, which it does not declare", where, p.HTTPGet.Port.StrVal)
				}
			}
		}
		c.checked("resources")
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := ct.Resources.Requests[r]; !ok {
				c.fail(w.doc.source, "%s has no %s request", where, r)
			}
		}
		if _, ok := ct.Resources.Limits[corev1.ResourceMemory]; !ok {
			c.fail(w.doc.source, "%s has no memory limit", where)
		}
		c.checked("non-root, read-only root filesystem, no privilege escalation")
		sc := ct.SecurityContext
		nonRoot := podNonRoot
		if sc != nil && sc.RunAsNonRoot != nil {
			nonRoot = *sc.RunAsNonRoot
		}
		if !nonRoot {
			c.fail(w.doc.source, "%s may run as root (runAsNonRoot is not true)", where)
		}
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			c.fail(w.doc.source, "%s has a writable root filesystem (readOnlyRootFilesystem is not true)", where)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			c.fail(w.doc.source, "%s allows privilege escalation", where)
		}
		c.checked("image with an explicit tag")
		if ct.Image == "" || (!strings.Contains(ct.Image, "@") && (!strings.Contains(lastSegment(ct.Image), ":") || strings.HasSuffix(ct.Image, ":latest"))) {
			c.fail(w.doc.source, "%s image %q has no explicit tag or digest", where, ct.Image)
		}
		c.checked("no secret as a literal environment value")
		for _, e := range ct.Env {
			if secretish.MatchString(e.Name) && !strings.HasSuffix(e.Name, "_FILE") && e.Value != "" {
				c.fail(w.doc.source, "%s sets %s to a literal value: take it from a Secret (valueFrom.secretKeyRef)", where, e.Name)
			}
		}
		c.checked("volume mounts name declared volumes")
		for _, m := range ct.VolumeMounts {
			if !volumes[m.Name] {
				c.fail(w.doc.source, "%s mounts volume %q, which the pod does not declare", where, m.Name)
			}
		}
	}
}

func hasPort(ct corev1.Container, name string) bool {
	for _, p := range ct.Ports {
		if p.Name == name {
			return true
		}
	}
	return false
}

func lastSegment(image string) string {
	return image[strings.LastIndex(image, "/")+1:]
}
