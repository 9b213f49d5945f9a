{{/* The chart's name. */}}
{{- define "dms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every object's name: "<release>-<chart>", or the release alone when it already holds the chart's name. */}}
{{- define "dms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "dms.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The five services: values key -> service name (also its Kafka principal and the suffix of its objects). */}}
{{- define "dms.services" -}}
apiGateway: api-gateway
instanceService: instance-service
networkService: network-service
notebookService: notebook-service
billingService: billing-service
{{- end -}}

{{/* Labels of every object. */}}
{{- define "dms.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "dms.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dms-mlflow
{{- end -}}

{{/* Selector labels of one service's pods; argument: dict "root" $ "service" name. */}}
{{- define "dms.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dms.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{/* Name of one service's objects; argument: dict "root" $ "service" name. */}}
{{- define "dms.componentName" -}}
{{- printf "%s-%s" (include "dms.fullname" .root) .service -}}
{{- end -}}

{{/* The ServiceAccount's name. */}}
{{- define "dms.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "dms.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* A service's image reference; argument: dict "root" $ "values" its values. */}}
{{- define "dms.image" -}}
{{- $repository := .values.image.repository -}}
{{- with .root.Values.image.registry -}}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository -}}
{{- end -}}
{{- $tag := .values.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* The namespace of the instances' objects (kubernetes compute). */}}
{{- define "dms.computeNamespace" -}}
{{- .Values.compute.kubernetes.namespace | default .Release.Namespace -}}
{{- end -}}

{{/* The namespace of the instances' load balancers (kubernetes network provider): the compute namespace unless set. */}}
{{- define "dms.networkNamespace" -}}
{{- .Values.networkService.kubernetes.namespace | default (include "dms.computeNamespace" .) -}}
{{- end -}}

{{/* Whether the Kafka CA is mounted (SASL_SSL with a CA Secret). */}}
{{- define "dms.kafkaCa" -}}
{{- if and (eq .Values.kafka.securityProtocol "SASL_SSL") .Values.kafka.caSecret.name -}}true{{- end -}}
{{- end -}}

{{/* Whether a service holds the Alibaba Cloud AccessKey; argument: dict "root" $ "service" name. */}}
{{- define "dms.usesAliyun" -}}
{{- $v := .root.Values -}}
{{- if $v.aliyunCredentials.secretName -}}
{{- if or (and (eq .service "instance-service") (eq $v.compute.provider "aliyun")) (and (eq .service "network-service") (or (eq $v.networkService.provider "aliyun") (and (eq $v.networkService.provider "kubernetes") (eq $v.networkService.kubernetes.networkFacts "aliyun")))) (and (eq .service "billing-service") (eq $v.billingService.export.sink "oss")) -}}true{{- end -}}
{{- end -}}
{{- end -}}
