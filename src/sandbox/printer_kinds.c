/*
 * printer_kinds.c: the columns and cells of services, ingresses, network
 * policies, secrets, config maps, service accounts, PVCs, storage classes,
 * quotas, namespaces, nodes, events, RBAC, PDBs, HPAs and CRDs, in the
 * wording of the apiserver's printers (see printer.h).
 */
#include <stdlib.h>
#include <string.h>

#include "datalab/core/buf.h"
#include "datalab/core/json.h"
#include "datalab/core/mem.h"
#include "datalab/core/str.h"
#include "printer-internal.h"

/* ---- services, networking ---- */

static const struct col svc_cols[] = {
	NAME_COL,
	{ "Type", "string", 0, "type determines how the Service is exposed." },
	{ "Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly." },
	{ "External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service." },
	{ "Port(s)", "string", 0, "The list of ports that are exposed by this service." },
	AGE_COL,
	{ "Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector." },
	{ NULL, NULL, 0, NULL },
};

static void svc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *type = json_str(obj, "spec.type", "ClusterIP");
	const cJSON *p;
	struct buf b;

	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, type);
	printer_add_str(cells, strcmp(type, "ExternalName") == 0 ? "<none>" : json_str(obj, "spec.clusterIP", "<none>"));
	if (strcmp(type, "ExternalName") == 0)
		printer_add_str(cells, json_str(obj, "spec.externalName", "<none>"));
	else if (strcmp(type, "LoadBalancer") == 0 && json_get(obj, "status.loadBalancer.ingress"))
		printer_add_join(cells, json_get(obj, "status.loadBalancer.ingress"), "ip", "<pending>");
	else if (strcmp(type, "LoadBalancer") == 0)
		printer_add_str(cells, "<pending>");
	else
		printer_add_join(cells, json_get(obj, "spec.externalIPs"), NULL, "<none>");
	buf_init(&b, 0);
	cJSON_ArrayForEach(p, json_get(obj, "spec.ports")) {
		if (b.len)
			buf_addc(&b, ',');
		buf_addf(&b, "%lld", (long long)json_int(p, "port", 0));
		if (json_int(p, "nodePort", 0))
			buf_addf(&b, ":%lld", (long long)json_int(p, "nodePort", 0));
		buf_addf(&b, "/%s", json_str(p, "protocol", "TCP"));
	}
	printer_add_str(cells, b.len ? b.data : "<none>");
	buf_release(&b);
	printer_add_age(cells, obj, now);
	printer_add_selector(cells, json_get(obj, "spec.selector"));
}

static const struct col ing_cols[] = {
	NAME_COL,
	{ "Class", "string", 0, "ingressClassName is the name of an IngressClass cluster resource." },
	{ "Hosts", "string", 0, "Hosts that incoming requests are matched against before the ingress rule" },
	{ "Address", "string", 0, "Address is a list containing ingress points for the load-balancer" },
	{ "Ports", "string", 0, "Ports of TLS configurations that open" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void ing_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "spec.ingressClassName", "<none>"));
	printer_add_join(cells, json_get(obj, "spec.rules"), "host", "*");
	printer_add_join(cells, json_get(obj, "status.loadBalancer.ingress"), "ip", "");
	printer_add_str(cells, json_get(obj, "spec.tls") ? "80, 443" : "80");
	printer_add_age(cells, obj, now);
}

static const struct col netpol_cols[] = {
	NAME_COL,
	{ "Pod-Selector", "string", 0, "Selects the pods to which this NetworkPolicy object applies." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void netpol_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *sel = json_get(obj, "spec.podSelector");

	printer_add_str(cells, printer_name(obj));
	if (cJSON_GetArraySize(json_get(sel, "matchLabels")) == 0 && !json_get(sel, "matchExpressions"))
		printer_add_str(cells, "<none>");
	else
		printer_add_selector(cells, sel);
	printer_add_age(cells, obj, now);
}

/* ---- config and storage ---- */

static const struct col secret_cols[] = {
	NAME_COL,
	{ "Type", "string", 0, "The type of the secret" },
	{ "Data", "string", 0, "The number of data items in the secret" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void secret_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "type", "Opaque"));
	printer_add_int(cells, cJSON_GetArraySize(json_get(obj, "data")));
	printer_add_age(cells, obj, now);
}

static const struct col cm_cols[] = {
	NAME_COL,
	{ "Data", "string", 0, "Number of data items in the config map" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void cm_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_int(cells, cJSON_GetArraySize(json_get(obj, "data")) + cJSON_GetArraySize(json_get(obj, "binaryData")));
	printer_add_age(cells, obj, now);
}

static const struct col sa_cols[] = {
	NAME_COL,
	{ "Secrets", "string", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void sa_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_int(cells, cJSON_GetArraySize(json_get(obj, "secrets")));
	printer_add_age(cells, obj, now);
}

static const struct col pvc_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "phase represents the current phase of PersistentVolumeClaim." },
	{ "Volume", "string", 0, "volumeName is the binding reference to the PersistentVolume backing this claim." },
	{ "Capacity", "string", 0, "capacity represents the actual resources of the underlying volume." },
	{ "Access Modes", "string", 0, "accessModes contains the desired access modes the volume should have." },
	{ "StorageClass", "string", 0, "storageClassName is the name of the StorageClass required by the claim." },
	{ "VolumeAttributesClass", "string", 0, "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim." },
	AGE_COL,
	{ "VolumeMode", "string", 1, "volumeMode defines what type of volume is required by the claim." },
	{ NULL, NULL, 0, NULL },
};

static void add_access_modes(cJSON *cells, const cJSON *modes)
{
	struct buf b;
	const cJSON *c;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, modes) {
		const char *m = cJSON_GetStringValue(c);
		const char *s = !m ? NULL : strcmp(m, "ReadWriteOnce") == 0 ? "RWO" :
				strcmp(m, "ReadOnlyMany") == 0 ? "ROX" : strcmp(m, "ReadWriteMany") == 0 ? "RWX" :
				strcmp(m, "ReadWriteOncePod") == 0 ? "RWOP" : m;

		if (!s)
			continue;
		if (b.len)
			buf_addc(&b, ',');
		buf_adds(&b, s);
	}
	printer_add_str(cells, b.data);
	buf_release(&b);
}

static void pvc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	bool bound = strcmp(json_str(obj, "status.phase", ""), "Bound") == 0;

	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_get(obj, "metadata.deletionTimestamp") ? "Terminating" :
		json_str(obj, "status.phase", "Pending"));
	printer_add_str(cells, json_str(obj, "spec.volumeName", ""));
	printer_add_str(cells, bound ? json_str(obj, "status.capacity.storage", "") : "");
	if (bound)
		add_access_modes(cells, json_get(obj, "status.accessModes"));
	else
		printer_add_str(cells, "");
	printer_add_str(cells, json_str(obj, "spec.storageClassName", "<unset>"));
	printer_add_str(cells, json_str(obj, "spec.volumeAttributesClassName", "<unset>"));
	printer_add_age(cells, obj, now);
	printer_add_str(cells, json_str(obj, "spec.volumeMode", "Filesystem"));
}

static const struct col sc_cols[] = {
	NAME_COL,
	{ "Provisioner", "string", 0, "provisioner indicates the type of the provisioner." },
	{ "ReclaimPolicy", "string", 0, "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class." },
	{ "VolumeBindingMode", "string", 0, "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound." },
	{ "AllowVolumeExpansion", "string", 0, "allowVolumeExpansion shows whether the storage class allow volume expand." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void sc_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *def = json_get_key(json_get(obj, "metadata.annotations"),
					"storageclass.kubernetes.io/is-default-class");

	if (def && str_eq(cJSON_GetStringValue(def), "true"))
		printer_add_fmt(cells, "%s (default)", printer_name(obj));
	else
		printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "provisioner", ""));
	printer_add_str(cells, json_str(obj, "reclaimPolicy", "Delete"));
	printer_add_str(cells, json_str(obj, "volumeBindingMode", "Immediate"));
	printer_add_str(cells, json_bool(obj, "allowVolumeExpansion", false) ? "true" : "false");
	printer_add_age(cells, obj, now);
}

static const struct col quota_cols[] = {
	NAME_COL,
	AGE_COL,
	{ "Request", "string", 0, "Request represents a minimum amount of cpu/memory that a container may consume." },
	{ "Limit", "string", 0, "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node." },
	{ NULL, NULL, 0, NULL },
};

static void quota_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *hard = json_get(obj, "status.hard"), *used = json_get(obj, "status.used"), *c;
	struct buf req, lim;

	if (!hard)
		hard = json_get(obj, "spec.hard");
	buf_init(&req, 0);
	buf_init(&lim, 0);
	cJSON_ArrayForEach(c, hard) {
		struct buf *b = str_has_prefix(c->string, "limits.") ? &lim : &req;
		const char *u = cJSON_GetStringValue(json_get_key(used, c->string));

		if (!cJSON_IsString(c))
			continue;
		if (b->len)
			buf_adds(b, ", ");
		buf_addf(b, "%s: %s/%s", c->string, u ? u : "0", c->valuestring);
	}
	printer_add_str(cells, printer_name(obj));
	printer_add_age(cells, obj, now);
	printer_add_str(cells, req.data);
	printer_add_str(cells, lim.data);
	buf_release(&req);
	buf_release(&lim);
}

/* ---- cluster ---- */

static const struct col ns_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "The status of the namespace" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void ns_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "status.phase", "Active"));
	printer_add_age(cells, obj, now);
}

static const struct col node_cols[] = {
	NAME_COL,
	{ "Status", "string", 0, "The status of the node" },
	{ "Roles", "string", 0, "The roles of the node" },
	AGE_COL,
	{ "Version", "string", 0, "Kubelet Version reported by the node." },
	{ "Internal-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available." },
	{ "External-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available." },
	{ "OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))." },
	{ "Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)." },
	{ "Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)." },
	{ NULL, NULL, 0, NULL },
};

static void add_address(cJSON *cells, const cJSON *obj, const char *type)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, json_get(obj, "status.addresses")) {
		if (strcmp(json_str(a, "type", ""), type) == 0) {
			printer_add_str(cells, json_str(a, "address", "<none>"));
			return;
		}
	}
	printer_add_str(cells, "<none>");
}

static void node_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const cJSON *c;
	struct buf st, roles;
	const char *ready = "Unknown";

	buf_init(&st, 0);
	buf_init(&roles, 0);
	cJSON_ArrayForEach(c, json_get(obj, "status.conditions"))
		if (strcmp(json_str(c, "type", ""), "Ready") == 0)
			ready = strcmp(json_str(c, "status", ""), "True") == 0 ? "Ready" : "NotReady";
	buf_adds(&st, ready);
	if (json_bool(obj, "spec.unschedulable", false))
		buf_adds(&st, ",SchedulingDisabled");
	cJSON_ArrayForEach(c, json_get(obj, "metadata.labels")) {
		if (str_has_prefix(c->string, "node-role.kubernetes.io/")) {
			if (roles.len)
				buf_addc(&roles, ',');
			buf_adds(&roles, c->string + strlen("node-role.kubernetes.io/"));
		}
	}
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, st.data);
	printer_add_str(cells, roles.len ? roles.data : "<none>");
	printer_add_age(cells, obj, now);
	printer_add_str(cells, json_str(obj, "status.nodeInfo.kubeletVersion", ""));
	add_address(cells, obj, "InternalIP");
	add_address(cells, obj, "ExternalIP");
	printer_add_str(cells, json_str(obj, "status.nodeInfo.osImage", "<unknown>"));
	printer_add_str(cells, json_str(obj, "status.nodeInfo.kernelVersion", "<unknown>"));
	printer_add_str(cells, json_str(obj, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
	buf_release(&st);
	buf_release(&roles);
}

static const struct col event_cols[] = {
	{ "Last Seen", "string", 0, "Time when this Event was last seen" },
	{ "Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future." },
	{ "Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for this event being generated." },
	{ "Object", "string", 0, "The object this Event is about." },
	{ "Subobject", "string", 1, "The subobject this Event is about." },
	{ "Source", "string", 1, "The component reporting this event." },
	{ "Message", "string", 0, "A human-readable description of the status of this operation." },
	{ "First Seen", "string", 1, "The first time at which the event was recorded." },
	{ "Count", "string", 1, "The number of times this event has occurred." },
	{ "Name", "string", 1, "Name must be unique within a namespace." },
	{ NULL, NULL, 0, NULL },
};

static void event_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	const char *last = json_str(obj, "lastTimestamp", json_str(obj, "eventTime", NULL));
	const char *first = json_str(obj, "firstTimestamp", json_str(obj, "eventTime", NULL));
	const cJSON *io = json_get(obj, "involvedObject");
	const char *kind = json_str(io, "kind", "");
	char *lower = xstrdup(kind);
	size_t i;

	if (json_get(obj, "series.lastObservedTime"))
		last = json_str(obj, "series.lastObservedTime", last);
	for (i = 0; lower[i]; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	printer_add_age_ts(cells, last, now);
	printer_add_str(cells, json_str(obj, "type", ""));
	printer_add_str(cells, json_str(obj, "reason", ""));
	printer_add_fmt(cells, "%s/%s", lower, json_str(io, "name", ""));
	printer_add_str(cells, json_str(io, "fieldPath", ""));
	if (json_str(obj, "source.host", NULL))
		printer_add_fmt(cells, "%s, %s", json_str(obj, "source.component", ""), json_str(obj, "source.host", ""));
	else
		printer_add_str(cells, json_str(obj, "source.component", json_str(obj, "reportingComponent", "")));
	printer_add_str(cells, json_str(obj, "message", ""));
	printer_add_age_ts(cells, first, now);
	printer_add_fmt(cells, "%lld", (long long)json_int(obj, "count", 1));
	printer_add_str(cells, printer_name(obj));
	free(lower);
}

static const struct col role_cols[] = {
	NAME_COL,
	{ "Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." },
	{ NULL, NULL, 0, NULL },
};

static void role_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	(void)now;
	printer_add_str(cells, printer_name(obj));
	printer_add_str(cells, json_str(obj, "metadata.creationTimestamp", ""));
}

static const struct col binding_cols[] = {
	NAME_COL,
	{ "Role", "string", 0, "Role references the role that the binding refers to" },
	AGE_COL,
	{ "Users", "string", 1, "Users in the binding" },
	{ "Groups", "string", 1, "Groups in the binding" },
	{ "ServiceAccounts", "string", 1, "ServiceAccounts in the binding" },
	{ NULL, NULL, 0, NULL },
};

static void subjects(cJSON *cells, const cJSON *obj, const char *kind, bool sa)
{
	struct buf b;
	const cJSON *c;

	buf_init(&b, 0);
	cJSON_ArrayForEach(c, json_get(obj, "subjects")) {
		if (strcmp(json_str(c, "kind", ""), kind) != 0)
			continue;
		if (b.len)
			buf_adds(&b, ", ");
		if (sa)
			buf_addf(&b, "%s/%s", json_str(c, "namespace", ""), json_str(c, "name", ""));
		else
			buf_adds(&b, json_str(c, "name", ""));
	}
	printer_add_str(cells, b.data);
	buf_release(&b);
}

static void binding_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_fmt(cells, "%s/%s", json_str(obj, "roleRef.kind", ""), json_str(obj, "roleRef.name", ""));
	printer_add_age(cells, obj, now);
	subjects(cells, obj, "User", false);
	subjects(cells, obj, "Group", false);
	subjects(cells, obj, "ServiceAccount", true);
}

static const struct col pdb_cols[] = {
	NAME_COL,
	{ "Min Available", "string", 0, "The minimum number of pods that must be available simultaneously." },
	{ "Max Unavailable", "string", 0, "The maximum number of pods that may be unavailable simultaneously." },
	{ "Allowed Disruptions", "integer", 0, "Calculated number of pods that may be disrupted at this time." },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

void printer_add_intorstr(cJSON *cells, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		printer_add_fmt(cells, "%lld", (long long)v->valuedouble);
	else
		printer_add_str(cells, cJSON_IsString(v) ? v->valuestring : "N/A");
}

static void pdb_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_intorstr(cells, json_get(obj, "spec.minAvailable"));
	printer_add_intorstr(cells, json_get(obj, "spec.maxUnavailable"));
	printer_add_int(cells, json_int(obj, "status.disruptionsAllowed", 0));
	printer_add_age(cells, obj, now);
}

static const struct col hpa_cols[] = {
	NAME_COL,
	{ "Reference", "string", 0, "reference to scaled resource" },
	{ "Targets", "string", 0, "metrics of the autoscaler" },
	{ "MinPods", "string", 0, "minReplicas is the lower limit for the number of replicas." },
	{ "MaxPods", "integer", 0, "maxReplicas is the upper limit for the number of replicas." },
	{ "Replicas", "integer", 0, "current number of replicas of pods managed by this autoscaler" },
	AGE_COL,
	{ NULL, NULL, 0, NULL },
};

static void hpa_cells(cJSON *cells, const cJSON *obj, int64_t now)
{
	printer_add_str(cells, printer_name(obj));
	printer_add_fmt(cells, "%s/%s", json_str(obj, "spec.scaleTargetRef.kind", ""),
		json_str(obj, "spec.scaleTargetRef.name", ""));
	printer_add_str(cells, cJSON_GetArraySize(json_get(obj, "spec.metrics")) ? "<unknown>" : "<none>");
	printer_add_fmt(cells, "%lld", (long long)json_int(obj, "spec.minReplicas", 1));
	printer_add_int(cells, json_int(obj, "spec.maxReplicas", 0));
	printer_add_int(cells, json_int(obj, "status.currentReplicas", 0));
	printer_add_age(cells, obj, now);
}

static const struct col crd_cols[] = {
	NAME_COL,
	{ "Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created." },
	{ NULL, NULL, 0, NULL },
};

const struct printer printer_more[] = {
	{ "", "services", svc_cols, svc_cells },
	{ "", "secrets", secret_cols, secret_cells },
	{ "", "configmaps", cm_cols, cm_cells },
	{ "", "serviceaccounts", sa_cols, sa_cells },
	{ "", "persistentvolumeclaims", pvc_cols, pvc_cells },
	{ "", "namespaces", ns_cols, ns_cells },
	{ "", "nodes", node_cols, node_cells },
	{ "", "events", event_cols, event_cells },
	{ "", "resourcequotas", quota_cols, quota_cells },
	{ "networking.k8s.io", "ingresses", ing_cols, ing_cells },
	{ "networking.k8s.io", "networkpolicies", netpol_cols, netpol_cells },
	{ "storage.k8s.io", "storageclasses", sc_cols, sc_cells },
	{ "policy", "poddisruptionbudgets", pdb_cols, pdb_cells },
	{ "autoscaling", "horizontalpodautoscalers", hpa_cols, hpa_cells },
	{ "rbac.authorization.k8s.io", "roles", role_cols, role_cells },
	{ "rbac.authorization.k8s.io", "clusterroles", role_cols, role_cells },
	{ "rbac.authorization.k8s.io", "rolebindings", binding_cols, binding_cells },
	{ "rbac.authorization.k8s.io", "clusterrolebindings", binding_cols, binding_cells },
	{ "apiextensions.k8s.io", "customresourcedefinitions", crd_cols, role_cells },
};

const size_t printer_nmore = DL_ARRAY_LEN(printer_more);
