{{/* The namespace of the notebook sessions' objects (notebook-service's kubernetes runtime). */}}
{{- define "dms.notebookNamespace" -}}
{{- .Values.notebookService.kubernetes.namespace | default .Release.Namespace -}}
{{- end -}}

{{/* Whether notebook-service runs the sessions as Pods (it then talks to the Kubernetes API). */}}
{{- define "dms.notebookPods" -}}
{{- if eq .Values.notebookService.runtime "kubernetes" -}}true{{- end -}}
{{- end -}}
