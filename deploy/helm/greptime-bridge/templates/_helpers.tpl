{{/* The chart's name, shortened to Kubernetes' 63-character label limit. */}}
{{- define "greptime-bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: the release name, with the chart's name unless the release already contains it. */}}
{{- define "greptime-bridge.fullname" -}}
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

{{/* Labels that select the pods; they never change after install. */}}
{{- define "greptime-bridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "greptime-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "greptime-bridge.labels" -}}
{{ include "greptime-bridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* The Secret holding GreptimeDB's credentials. */}}
{{- define "greptime-bridge.secretName" -}}
{{- default (include "greptime-bridge.fullname" .) .Values.greptimedb.existingSecret }}
{{- end }}

{{/* The port of a listen address such as ":4318" or "0.0.0.0:4318". */}}
{{- define "greptime-bridge.port" -}}
{{- splitList ":" . | last }}
{{- end }}
