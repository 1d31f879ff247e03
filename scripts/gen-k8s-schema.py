#!/usr/bin/env python3
"""gen-k8s-schema.py API_DIR APIMACHINERY_DIR > src/sandbox/schema_tables.c

Builds the sandbox's table of Kubernetes types (schema.h) from the
official sources: message and field numbers from each package's
generated.proto, and from the Go types beside them the JSON names,
pointer-ness, omitempty, the strategic-merge-patch tags (patchStrategy,
patchMergeKey) and the server-side-apply markers (+listType, +listMapKey,
+mapType, +structType).  API_DIR is a checkout of kubernetes/api,
APIMACHINERY_DIR one of kubernetes/apimachinery.  Only facts (names,
numbers, markers) reach the output; no source text is copied.
"""
import os
import re
import sys

API, AM = sys.argv[1], sys.argv[2]

PKGS = {  # proto package -> (dir, apiVersion or None)
    "k8s.io.api.core.v1": (os.path.join(API, "core/v1"), "v1"),
    "k8s.io.api.apps.v1": (os.path.join(API, "apps/v1"), "apps/v1"),
    "k8s.io.api.batch.v1": (os.path.join(API, "batch/v1"), "batch/v1"),
    "k8s.io.api.rbac.v1": (os.path.join(API, "rbac/v1"), "rbac.authorization.k8s.io/v1"),
    "k8s.io.api.authorization.v1": (os.path.join(API, "authorization/v1"), "authorization.k8s.io/v1"),
    "k8s.io.api.networking.v1": (os.path.join(API, "networking/v1"), "networking.k8s.io/v1"),
    "k8s.io.api.policy.v1": (os.path.join(API, "policy/v1"), "policy/v1"),
    "k8s.io.api.autoscaling.v1": (os.path.join(API, "autoscaling/v1"), "autoscaling/v1"),
    "k8s.io.api.events.v1": (os.path.join(API, "events/v1"), "events.k8s.io/v1"),
    "k8s.io.api.scheduling.v1": (os.path.join(API, "scheduling/v1"), "scheduling.k8s.io/v1"),
    "k8s.io.api.storage.v1": (os.path.join(API, "storage/v1"), "storage.k8s.io/v1"),
    "k8s.io.apimachinery.pkg.apis.meta.v1": (os.path.join(AM, "pkg/apis/meta/v1"), None),
}

KINDS = {
    "k8s.io.api.core.v1": ["Pod", "Service", "Secret", "ConfigMap", "Namespace", "ServiceAccount",
                           "ResourceQuota", "LimitRange", "PersistentVolumeClaim",
                           "PersistentVolume", "Endpoints", "Event", "Node", "PodTemplate",
                           "ReplicationController", "Binding"],
    "k8s.io.api.apps.v1": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                           "ControllerRevision"],
    "k8s.io.api.batch.v1": ["Job", "CronJob"],
    "k8s.io.api.rbac.v1": ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
    "k8s.io.api.authorization.v1": ["SelfSubjectAccessReview", "SelfSubjectRulesReview"],
    "k8s.io.api.networking.v1": ["Ingress", "IngressClass", "NetworkPolicy"],
    "k8s.io.api.policy.v1": ["PodDisruptionBudget", "Eviction"],
    "k8s.io.api.autoscaling.v1": ["Scale", "HorizontalPodAutoscaler"],
    "k8s.io.api.events.v1": ["Event"],
    "k8s.io.api.scheduling.v1": ["PriorityClass"],
    "k8s.io.api.storage.v1": ["StorageClass"],
    "k8s.io.apimachinery.pkg.apis.meta.v1": ["DeleteOptions"],
}

SPECIAL = {  # messages mapped by hand in proto.c
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "SCHEMA_TIME",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "SCHEMA_MICROTIME",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "SCHEMA_DURATION",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "SCHEMA_RAWJSON",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "SCHEMA_RAWJSON",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "SCHEMA_QUANTITY",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "SCHEMA_INTORSTR",
}
SCALARS = {"string": "SCHEMA_STRING", "bytes": "SCHEMA_BYTES", "int32": "SCHEMA_INT32",
           "int64": "SCHEMA_INT64", "bool": "SCHEMA_BOOL", "double": "SCHEMA_DOUBLE"}

FIELD_RE = re.compile(r"^\s*(optional|repeated)\s+(\S+)\s+(\w+)\s*=\s*(\d+)\s*;")
MAP_RE = re.compile(r"^\s*map<\s*string\s*,\s*(\S+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;")


def parse_proto(path, pkg):
    msgs = {}
    cur = None
    for line in open(path):
        m = re.match(r"^message (\w+) \{", line)
        if m:
            cur = msgs.setdefault(pkg + "." + m.group(1), [])
            continue
        if line.startswith("}"):
            cur = None
            continue
        if cur is None:
            continue
        m = FIELD_RE.match(line)
        if m:
            cur.append({"rep": m.group(1) == "repeated", "map": False, "type": m.group(2),
                        "pname": m.group(3), "num": int(m.group(4))})
            continue
        m = MAP_RE.match(line)
        if m:
            cur.append({"rep": False, "map": True, "type": m.group(1), "pname": m.group(2),
                        "num": int(m.group(3))})
    return msgs


TAG_RE = re.compile(r'`([^`]*)`')


def parse_go(d, pkg):
    """(struct, proto number) -> go facts; struct -> struct markers"""
    fields, structs = {}, {}
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".go") or fn.endswith("_test.go") or "generated" in fn:
            continue
        markers, struct = [], None
        for line in open(os.path.join(d, fn)):
            s = line.strip()
            m = re.match(r"^type (\w+) struct \{", s)
            if m:
                struct = pkg + "." + m.group(1)
                structs[struct] = markers
                markers = []
                continue
            if struct and s == "}":
                struct, markers = None, []
                continue
            if s.startswith("//"):
                mk = re.match(r"^//\s*\+(\w+(?:\.\w+)*)=(\S+)", s)
                if mk:
                    markers.append((mk.group(1), mk.group(2)))
                continue
            if not s:
                if struct is None:
                    markers = []
                continue
            if struct is None:
                markers = []
                continue
            tm = TAG_RE.search(s)
            tag = tm.group(1) if tm else ""
            pm = re.search(r'protobuf:"(\w+),(\d+),(\w+)', tag)
            if pm:
                parts = s.split()
                gotype = parts[1] if len(parts) > 1 else ""
                jm = re.search(r'json:"([^"]*)"', tag)
                jparts = (jm.group(1) if jm else "").split(",")
                f = {"json": jparts[0], "omitempty": "omitempty" in jparts[1:],
                     # an embedded struct without a JSON name is inlined by encoding/json
                     "inline": jparts[0] == "" and ("inline" in jparts[1:] or
                                                    gotype.startswith("`")),
                     "pointer": gotype.startswith("*"), "markers": dict(markers),
                     "listkeys": [v for k, v in markers if k == "listMapKey"]}
                ps = re.search(r'patchStrategy:"([^"]*)"', tag)
                pk = re.search(r'patchMergeKey:"([^"]*)"', tag)
                f["pstrat"] = ps.group(1) if ps else ""
                f["pkey"] = pk.group(1) if pk else ""
                fields[(struct, int(pm.group(2)))] = f
            markers = []
    return fields, structs


protos, gofields, gostructs = {}, {}, {}
for pkg, (d, _) in PKGS.items():
    protos.update(parse_proto(os.path.join(d, "generated.proto"), pkg))
    f, s = parse_go(d, pkg)
    gofields.update(f)
    gostructs.update(s)


def resolve(t, pkg):
    if t in SCALARS:
        return t
    if t.startswith("."):
        return t[1:]
    return pkg + "." + t


# the closure of the kinds
order, seen = [], set()
roots = []
for pkg, kinds in KINDS.items():
    for k in kinds:
        roots.append((pkg, k))
todo = [pkg + "." + k for pkg, k in roots]
while todo:
    name = todo.pop(0)
    if name in seen or name in SPECIAL:
        continue
    if name not in protos:  # an alpha group outside PKGS: skipped on decode
        sys.stderr.write("skipping unknown message %s\n" % name)
        SPECIAL[name] = "SCHEMA_SKIP"
        continue
    seen.add(name)
    order.append(name)
    pkg = name.rsplit(".", 1)[0]
    for f in protos[name]:
        t = resolve(f["type"], pkg)
        if t not in SCALARS and t not in SPECIAL and t not in seen:
            todo.append(t)

index = {n: i for i, n in enumerate(order)}


def cname(n):
    return "m_" + n.replace("k8s.io.apimachinery.pkg.apis.", "").replace(
        "k8s.io.api.", "").replace(".", "_")


def cstr(s):
    return '"%s"' % s if s is not None else "NULL"


out = []
out.append("/*\n * schema_tables.c: the Kubernetes types the sandbox knows (schema.h).\n *")
out.append(" * Generated by scripts/gen-k8s-schema.py from kubernetes/api and\n"
           " * kubernetes/apimachinery (generated.proto field numbers; Go struct tags\n"
           " * and +markers).  Do not edit by hand: regenerate.\n */")
out.append('#include "datalab/sandbox/schema.h"\n')
for n in order:
    pkg = n.rsplit(".", 1)[0]
    rows = []
    for f in sorted(protos[n], key=lambda f: f["num"]):
        t = resolve(f["type"], pkg)
        g = gofields.get((n, f["num"]), {})
        flags = []
        if f["rep"]:
            flags.append("SCHEMA_REPEATED")
        if f["map"]:
            flags.append("SCHEMA_MAP")
        if g.get("pointer"):
            flags.append("SCHEMA_POINTER")
        if g.get("omitempty"):
            flags.append("SCHEMA_OMITEMPTY")
        if g.get("inline"):
            flags.append("SCHEMA_INLINE")
        ps = g.get("pstrat", "")
        if "merge" in ps.split(","):
            flags.append("SCHEMA_PATCH_MERGE")
        if "replace" in ps.split(","):
            flags.append("SCHEMA_PATCH_REPLACE")
        if "retainKeys" in ps.split(","):
            flags.append("SCHEMA_RETAIN_KEYS")
        mk = g.get("markers", {})
        lt = mk.get("listType")
        if lt == "atomic":
            flags.append("SCHEMA_LIST_ATOMIC")
        elif lt == "set":
            flags.append("SCHEMA_LIST_SET")
        elif lt == "map":
            flags.append("SCHEMA_LIST_MAP")
        if mk.get("mapType") == "atomic" or mk.get("structType") == "atomic":
            flags.append("SCHEMA_ATOMIC")
        if t in SCALARS:
            typ, msg = SCALARS[t], -1
        elif t in SPECIAL:
            typ, msg = SPECIAL[t], -1
        else:
            typ, msg = "SCHEMA_MESSAGE", index[t]
        json = g.get("json") or f["pname"]
        keys = ",".join(g.get("listkeys", [])) or None
        rows.append("\t{ %s, %d, %s, %s, %d, %s, %s }," % (
            cstr(json), f["num"], typ, " | ".join(flags) or "0", msg,
            cstr(g.get("pkey") or None), cstr(keys)))
    out.append("static const struct schema_field %s[] = {" % cname(n))
    out.extend(rows)
    out.append("\t{ NULL, 0, 0, 0, -1, NULL, NULL },")
    out.append("};\n")

out.append("const struct schema_msg schema_msgs[] = {")
for n in order:
    sm = dict(gostructs.get(n, []))
    flags = "SCHEMA_ATOMIC" if sm.get("structType") == "atomic" else "0"
    out.append("\t{ %s, %s, %d, %s }," % (cstr(n.rsplit(".", 1)[1]), cname(n),
                                          len(protos[n]), flags))
out.append("};\n")
out.append("const size_t schema_nmsgs = %d;\n" % len(order))
out.append("const struct schema_kind schema_kinds[] = {")
for pkg, k in roots:
    av = PKGS[pkg][1]
    out.append("\t{ %s, %s, %d }," % (cstr(av), cstr(k), index[pkg + "." + k]))
out.append("};\n")
out.append("const size_t schema_nkinds = %d;" % len(roots))
print("\n".join(out))
