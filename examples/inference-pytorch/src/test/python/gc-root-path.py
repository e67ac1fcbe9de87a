#!/usr/bin/env python3
"""Shortest strong path from a GC root to the class loaders of a class, in an HPROF heap dump.

Usage: gc-root-path.py <dump.hprof> <class name, e.g. ai.hanzo.node.pytorch.internal.PyTorchEngine>

For every loaded copy of the class it prints the chain root -> ... -> the copy's class loader,
one object per line with the field or array index that holds the next one. Weak, soft and phantom
referents do not keep anything alive and are not followed. Written for the PyTorch plug-in's
reinstall test (a JDK heap dump of a few tens of MB); it keeps the whole object graph in memory.
"""
import collections
import struct
import sys

SIZES = {2: None, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
ROOT_KINDS = {
    0xFF: ("unknown", 0), 0x01: ("JNI global", None), 0x02: ("JNI local", 8),
    0x03: ("Java frame", 8), 0x04: ("native stack", 4), 0x05: ("system class", 0),
    0x06: ("thread block", 4), 0x07: ("monitor", 0), 0x08: ("thread object", 8),
}


def main(path, class_name):
    data = open(path, "rb").read()
    end = data.index(b"\0")
    pos = end + 1
    id_size = struct.unpack_from(">I", data, pos)[0]
    pos += 12
    id_fmt = ">Q" if id_size == 8 else ">I"

    def read_id(at):
        return struct.unpack_from(id_fmt, data, at)[0]

    strings = {}
    class_names = {}
    classes = {}  # id -> (super, loader, fields [(name, type)], statics [(name, type, value)])
    instances = {}  # id -> (class, offset, length)
    arrays = {}  # id -> (class, [ids])
    roots = []  # (id, kind)
    while pos < len(data):
        tag, _, length = struct.unpack_from(">BII", data, pos)
        pos += 9
        body_end = pos + length
        if tag == 0x01:
            strings[read_id(pos)] = data[pos + id_size:body_end].decode("utf-8", "replace")
        elif tag == 0x02:
            class_names[read_id(pos + 4)] = read_id(pos + 8 + id_size)
        elif tag in (0x0C, 0x1C):
            p = pos
            while p < body_end:
                sub = data[p]
                p += 1
                if sub in ROOT_KINDS:
                    kind, extra = ROOT_KINDS[sub]
                    roots.append((read_id(p), kind))
                    p += id_size + (id_size if extra is None else extra)
                elif sub == 0x20:
                    cid = read_id(p)
                    sup = read_id(p + 4 + id_size)
                    loader = read_id(p + 4 + 2 * id_size)
                    signers = read_id(p + 4 + 3 * id_size)
                    domain = read_id(p + 4 + 4 * id_size)
                    p += 4 + 7 * id_size + 4
                    (cp,) = struct.unpack_from(">H", data, p)
                    p += 2
                    for _ in range(cp):
                        t = data[p + 2]
                        p += 3 + (SIZES[t] or id_size)
                    (ns,) = struct.unpack_from(">H", data, p)
                    p += 2
                    statics = [("<loader>", loader), ("<signers>", signers), ("<domain>", domain)]
                    for _ in range(ns):
                        name = read_id(p)
                        t = data[p + id_size]
                        p += id_size + 1
                        if t == 2:
                            statics.append((name, read_id(p)))
                        p += SIZES[t] or id_size
                    (nf,) = struct.unpack_from(">H", data, p)
                    p += 2
                    fields = []
                    for _ in range(nf):
                        fields.append((read_id(p), data[p + id_size]))
                        p += id_size + 1
                    classes[cid] = (sup, loader, fields, statics)
                elif sub == 0x21:
                    oid = read_id(p)
                    cid = read_id(p + 4 + id_size)
                    (n,) = struct.unpack_from(">I", data, p + 4 + 2 * id_size)
                    start = p + 8 + 2 * id_size
                    instances[oid] = (cid, start, n)
                    p = start + n
                elif sub == 0x22:
                    oid = read_id(p)
                    (n,) = struct.unpack_from(">I", data, p + id_size + 4)
                    cid = read_id(p + id_size + 8)
                    start = p + 2 * id_size + 8
                    arrays[oid] = (cid, [read_id(start + i * id_size) for i in range(n)])
                    p = start + n * id_size
                elif sub == 0x23:
                    (n,) = struct.unpack_from(">I", data, p + id_size + 4)
                    t = data[p + id_size + 8]
                    p += id_size + 9 + n * SIZES[t]
                else:
                    raise ValueError("unknown heap sub-record 0x%02x at %d" % (sub, p - 1))
        pos = body_end

    def name_of_class(cid):
        return strings.get(class_names.get(cid), "?").replace("/", ".")

    def is_reference(cid):
        while cid:
            if name_of_class(cid) == "java.lang.ref.Reference":
                return True
            cid = classes.get(cid, (0,))[0]
        return False

    layouts = {}

    def layout(cid):
        if cid not in layouts:
            chain = []
            c = cid
            while c and c in classes:
                chain.extend(classes[c][2])
                c = classes[c][0]
            layouts[cid] = (chain, is_reference(cid))
        return layouts[cid]

    def edges(oid):
        if oid in instances:
            cid, start, _ = instances[oid]
            yield "<class>", cid
            fields, weak = layout(cid)
            p = start
            for name, t in fields:
                size = SIZES[t] or id_size
                if t == 2:
                    field = strings.get(name, "?")
                    if not (weak and field in ("referent", "discovered")):
                        yield field, read_id(p)
                p += size
        elif oid in arrays:
            cid, ids = arrays[oid]
            yield "<class>", cid
            for i, ref in enumerate(ids):
                yield "[%d]" % i, ref
        elif oid in classes:
            for name, ref in classes[oid][3]:
                yield (name if isinstance(name, str) else "static " + strings.get(name, "?")), ref

    def describe(oid):
        if oid in instances:
            return name_of_class(instances[oid][0]) + "@%x" % oid
        if oid in arrays:
            return name_of_class(arrays[oid][0]) + "@%x" % oid
        if oid in classes:
            return "class " + name_of_class(oid)
        return "@%x" % oid

    parent = {}
    queue = collections.deque()
    for oid, kind in roots:
        if oid and oid not in parent:
            parent[oid] = (None, "root: " + kind)
            queue.append(oid)
    while queue:
        oid = queue.popleft()
        for field, ref in edges(oid):
            if ref and ref not in parent:
                parent[ref] = (oid, field)
                queue.append(ref)

    wanted = class_name.replace(".", "/")
    copies = [cid for cid, sid in class_names.items() if strings.get(sid) == wanted]
    print("%d copies of %s in the dump" % (len(copies), class_name))
    for cid in copies:
        loader = classes[cid][1] if cid in classes else 0
        print("\nclass loader %s of a copy of %s:" % (describe(loader), class_name))
        if loader not in parent:
            print("  not strongly reachable")
            continue
        chain = []
        at = loader
        while at is not None:
            up, field = parent[at]
            chain.append((at, field))
            at = up
        for oid, field in reversed(chain):
            print("  %s  (%s)" % (describe(oid), field))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
