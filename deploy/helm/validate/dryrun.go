package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// dryRun sends every document, as rendered, to a real API server as a create with dryRun=All and strict field validation:
// the server decodes it, defaults it, runs its admission plugins and validates it (names, label values, selectors, ports,
// enums, cross-field rules the typed decode cannot see) and stores nothing. The namespaces the objects live in are made
// for real first, since a dry run in a missing namespace is refused.
func dryRun(c *checker, docs []document, server, tokenFile, caFile, namespace string) {
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		c.fail("dry run", "cannot read the token: %v", err)
		return
	}
	config := &rest.Config{Host: server, BearerToken: strings.TrimSpace(string(token)),
		TLSClientConfig: rest.TLSClientConfig{CAFile: caFile}, Timeout: 30 * time.Second}
	disco, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		c.fail("dry run", "%v", err)
		return
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		c.fail("dry run", "%v", err)
		return
	}
	kube, err := kubernetes.NewForConfig(config)
	if err != nil {
		c.fail("dry run", "%v", err)
		return
	}
	ctx := context.Background()
	made := map[string]bool{}
	accepted := 0
	for _, d := range docs {
		mapping, err := mapper.RESTMapping(d.gvk.GroupKind(), d.gvk.Version)
		if err != nil {
			c.fail(d.source, "%s: the API server serves no %s: %v", d, d.gvk, err)
			continue
		}
		json, err := yaml.YAMLToJSON(d.raw)
		if err != nil {
			c.fail(d.source, "%s: %v", d, err)
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(json); err != nil {
			c.fail(d.source, "%s: %v", d, err)
			continue
		}
		var client dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			ns := u.GetNamespace()
			if ns == "" {
				ns = namespace
			}
			if !made[ns] {
				_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
					metav1.CreateOptions{})
				if err != nil && !apierrors.IsAlreadyExists(err) {
					c.fail(d.source, "cannot make namespace %s for the dry run: %v", ns, err)
					continue
				}
				made[ns] = true
			}
			client = dyn.Resource(mapping.Resource).Namespace(ns)
		}
		_, err = client.Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll},
			FieldValidation: metav1.FieldValidationStrict})
		if err != nil {
			c.fail(d.source, "%s refused by the API server: %v", d, err)
			continue
		}
		accepted++
		c.checked("accepted by the API server (dry run)")
	}
	fmt.Printf("dry run on %s: %d of %d objects accepted\n", server, accepted, len(docs))
}
