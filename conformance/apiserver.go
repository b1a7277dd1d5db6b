// Package conformance holds rayc's test oracles: the Kubernetes API server's own
// custom-resource validation and the KubeRay operator's own validation functions,
// run as libraries on the objects rayc judges, so the two verdicts can be compared.
package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// Verdict is one oracle's judgement of one object.
type Verdict struct {
	Refused bool
	// Errors as the oracle words them, sorted.
	Errors []string
}

// servedVersion is what the API server builds for one served version of a CRD
// (`customresource_handler.go` crdInfo: structural schema, schema validator, CEL validator).
type servedVersion struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// APIServer validates custom resources the way kube-apiserver does on create with
// `fieldValidation=Strict`, for the CRDs of one KubeRay release.
type APIServer struct {
	versions map[string]servedVersion // "ray.io/v1/RayCluster"
}

// LoadAPIServer reads every `ray.io_*.yaml` CRD in dir.
func LoadAPIServer(dir string) (*APIServer, error) {
	files, err := filepath.Glob(filepath.Join(dir, "ray.io_*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no CRDs in %s", dir)
	}
	a := &APIServer{versions: map[string]servedVersion{}}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		var internal apiextensions.CustomResourceDefinition
		if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&crd, &internal, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, v := range internal.Spec.Versions {
			// The conversion hoists a schema shared by every version to spec.validation.
			validation := v.Schema
			if validation == nil {
				validation = internal.Spec.Validation
			}
			if !v.Served || validation == nil {
				continue
			}
			props := validation.OpenAPIV3Schema
			structural, err := structuralschema.NewStructural(props)
			if err != nil {
				return nil, fmt.Errorf("%s %s: structural schema: %w", f, v.Name, err)
			}
			validator, _, err := apiservervalidation.NewSchemaValidator(props)
			if err != nil {
				return nil, fmt.Errorf("%s %s: schema validator: %w", f, v.Name, err)
			}
			key := internal.Spec.Group + "/" + v.Name + "/" + internal.Spec.Names.Kind
			a.versions[key] = servedVersion{
				structural: structural,
				validator:  validator,
				cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
			}
		}
	}
	return a, nil
}

// Serves reports whether this release serves apiVersion/kind.
func (a *APIServer) Serves(apiVersion, kind string) bool {
	_, ok := a.versions[apiVersion+"/"+kind]
	return ok
}

// Validate judges one object (decoded from YAML) as a strict create would:
// duplicate or unknown fields, metadata, schema, list-type invariants and CEL rules,
// after the defaults the API server applies before it validates.
func (a *APIServer) Validate(doc []byte) (Verdict, map[string]any) {
	var errs []string
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return refused("decode: " + err.Error()), nil
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return refused("decode: " + err.Error()), nil
	}
	sv, ok := a.versions[u.GetAPIVersion()+"/"+u.GetKind()]
	if !ok {
		return refused(fmt.Sprintf("no matches for kind %q in version %q", u.GetKind(), u.GetAPIVersion())), nil
	}
	// kubectl sends the object to its context's namespace, `default` unless set.
	if u.GetNamespace() == "" {
		u.SetNamespace("default")
	}
	obj := u.Object

	// Decoding (`customresource_handler.go` unstructuredSchemaCoercer.apply, with
	// unknown-field paths returned as fieldValidation=Strict asks): root metadata,
	// pruning, non-nullable nulls without defaults dropped, embedded metadata coerced.
	_, _, unknownMeta, err := schemaobjectmeta.GetObjectMetaWithOptions(obj, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		errs = append(errs, err.Error())
	}
	unknown := append(unknownMeta, structuralpruning.PruneWithOptions(obj, sv.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, sv.structural)
	ferr, unknownEmbedded := schemaobjectmeta.CoerceWithOptions(nil, obj, sv.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if ferr != nil {
		errs = append(errs, ferr.Error())
	}
	for _, p := range append(unknown, unknownEmbedded...) {
		errs = append(errs, fmt.Sprintf("unknown field %q", p))
	}
	// Then defaults (unstructuredDefaulter), and a generated name (rest.BeforeCreate).
	structuraldefaulting.Default(obj, sv.structural)
	u.Object = obj
	if u.GetName() == "" && u.GetGenerateName() != "" {
		u.SetName(u.GetGenerateName() + "abcde")
	}

	// The create strategy (`customresource/strategy.go` Validate, `validator.go`).
	var ferrs field.ErrorList
	ferrs = append(ferrs, validation.ValidateObjectMetaAccessor(u, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	ferrs = append(ferrs, apiservervalidation.ValidateCustomResource(nil, u.UnstructuredContent(), sv.validator)...)
	ferrs = append(ferrs, schemaobjectmeta.Validate(nil, u.Object, sv.structural, false)...)
	ferrs = append(ferrs, structurallisttype.ValidateListSetsAndMaps(nil, sv.structural, u.Object)...)
	if !hasBlocking(ferrs) {
		celErrs, _ := sv.cel.Validate(context.Background(), nil, sv.structural, u.Object, nil, celconfig.RuntimeCELCostBudget)
		ferrs = append(ferrs, celErrs...)
	}
	for _, e := range ferrs {
		errs = append(errs, e.Error())
	}
	sort.Strings(errs)
	return Verdict{Refused: len(errs) > 0, Errors: errs}, u.Object
}

// hasBlocking mirrors `customresource/strategy.go` hasBlockingErr: CEL rules are
// not run on an object that already has type, required or size errors.
func hasBlocking(errs field.ErrorList) bool {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong,
			field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

func refused(msg string) Verdict {
	return Verdict{Refused: true, Errors: []string{msg}}
}
