#!/usr/bin/env python3
"""Top-level module import graph of src/ (non-test code, comments stripped) and its cycles.

usage: python3 scripts/modgraph.py [src]. Prints each module's imports, then `cycles: none` or
the circles and the files behind each edge of them.
"""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
edges = {}
def strip_tests(text):
    # drop #[cfg(test)] mod ... { } blocks (naive brace matching)
    out = []; i = 0
    while True:
        m = re.search(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', text[i:])
        if not m: out.append(text[i:]); break
        s = i + m.start(); out.append(text[i:s]); j = i + m.end(); depth = 1
        while j < len(text) and depth:
            if text[j] == '{': depth += 1
            elif text[j] == '}': depth -= 1
            j += 1
        i = j
    return ''.join(out)
for dp, dn, fn in os.walk(root):
    for f in fn:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f); rel = os.path.relpath(p, root)
        if rel.endswith('tests.rs') or '/tests/' in rel: continue
        top = rel.split(os.sep)[0].removesuffix('.rs')
        text = strip_tests(open(p).read())
        text = '\n'.join(re.sub(r'//.*$', '', l) for l in text.split('\n'))
        for m in re.finditer(r'crate::(\w+)', text):
            t = m.group(1)
            if t != top: edges.setdefault(top, {}).setdefault(t, set()).add(rel)
        # use crate::{a, b}
        for m in re.finditer(r'crate::\{([^}]*)\}', text):
            for t in re.findall(r'(?:^|[,\s{])(\w+)::', ' ' + m.group(1)):
                if t != top: edges.setdefault(top, {}).setdefault(t, set()).add(rel)
for a in sorted(edges):
    print(a, '->', ', '.join(sorted(edges[a])))
# cycles via SCC
import itertools
nodes = set(edges) | {b for a in edges for b in edges[a]}
idx = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges.get(v, {}):
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        s = []
        while True:
            w = st.pop(); on.discard(w); s.append(w)
            if w == v: break
        if len(s) > 1: sccs.append(s)
for v in sorted(nodes):
    if v not in idx: sc(v)
print('cycles:', sccs if sccs else 'none')
for s in sccs:
    for a in s:
        for b in edges.get(a, {}):
            if b in s: print(f'  {a} -> {b}: {sorted(edges[a][b])[:4]}')
