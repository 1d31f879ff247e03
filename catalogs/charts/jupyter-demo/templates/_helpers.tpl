{{/* Names and labels shared by the templates. */}}
{{- define "jupyter-demo.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "jupyter-demo.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "jupyter-demo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "jupyter-demo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The service password: the one given, else the one already stored,
     else a new random one (so an upgrade keeps it). */}}
{{- define "jupyter-demo.password" -}}
{{- if .Values.security.password -}}
{{- .Values.security.password -}}
{{- else -}}
{{- $old := lookup "v1" "Secret" .Release.Namespace (include "jupyter-demo.fullname" .) -}}
{{- if and $old $old.data (hasKey $old.data "PASSWORD") -}}
{{- index $old.data "PASSWORD" | b64dec -}}
{{- else -}}
{{- randAlphaNum 20 -}}
{{- end -}}
{{- end -}}
{{- end -}}
