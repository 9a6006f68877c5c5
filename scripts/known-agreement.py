#!/usr/bin/env python3
"""Agreement with tshark on the frames whose protocols (tshark's frame.protocols) wiresift all
decodes, per field and per capture, with examples: the working view of
tests/it/tcpdump_corpus.rs.

usage: python3 scripts/known-agreement.py BIN CORPUS [EXAMPLES]
  e.g. python3 scripts/known-agreement.py target/release/wiresift ../shared/captures-tcpdump 3
"""
import collections, subprocess, sys
from pathlib import Path
exe = sys.argv[1]; corpus = Path(sys.argv[2]); verbose = int(sys.argv[3]) if len(sys.argv) > 3 else 3
known = {l.split('\t')[1] for l in subprocess.run([exe, '-G', 'protocols'], capture_output=True, text=True).stdout.splitlines()}
known |= {'ethertype'}
def tsv(t): return [l.split('\t') for l in t.split('\n') if l]
per = collections.defaultdict(lambda: [0, 0, []]); sgood = stot = 0; sbad = collections.Counter(); sex = {}
for cap in sorted(corpus.glob('*.pcap')) + sorted(corpus.glob('*.pcapng')):
    ref = tsv((corpus / 'expected' / f'{cap.name}.fields.tsv').read_text(errors='replace'))
    hdr = ref[0]; pi = hdr.index('frame.protocols')
    args = ['-r', str(cap), '-T', 'fields', '-E', 'header=y', '-E', 'occurrence=a']
    for f in hdr: args += ['-e', f]
    got = tsv(subprocess.run([exe] + args, capture_output=True).stdout.decode('utf-8', 'replace'))
    summ_ref = (corpus / 'expected' / f'{cap.name}.summary.txt').read_text(errors='replace').splitlines()
    summ = subprocess.run([exe, '-r', str(cap)], capture_output=True).stdout.decode('utf-8', 'replace').splitlines()
    for k, row in enumerate(ref[1:]):
        protos = set(row[pi].split(':')) if pi < len(row) else set()
        if not protos <= known: continue
        g = got[k + 1] if k + 1 < len(got) else []
        for i, name in enumerate(hdr):
            want = row[i] if i < len(row) else ''; have = g[i] if i < len(g) else None
            e = per[name]; e[1] += 1
            if want == have: e[0] += 1
            else: e[2].append(f'{cap.name} #{k+1}: want {want!r} got {have!r}')
        if k < len(summ_ref):
            stot += 1
            w = ' '.join(summ_ref[k].split()); h = ' '.join(summ[k].split()) if k < len(summ) else ''
            if w == h: sgood += 1
            else:
                sbad[cap.name] += 1
                sex.setdefault(cap.name, (w, h))
tot = sum(e[1] for e in per.values()); good = sum(e[0] for e in per.values())
print(f'restricted fields: {good}/{tot} ({good/tot:.3%}); summary {sgood}/{stot} ({sgood/stot:.2%})')
for name, (m, t, bad) in sorted(per.items(), key=lambda kv: kv[1][0] - kv[1][1]):
    if m < t:
        print(f'  {name:26} {t-m} bad')
        caps = collections.Counter(b.split(' ')[0] for b in bad)
        print('     ', dict(caps.most_common(6)))
        for b in bad[:verbose]: print('      ', b)
print('summary bad by capture:')
for c, n in sbad.most_common(40):
    print(f'  {n:4} {c}\n       want {sex[c][0]}\n       got  {sex[c][1]}')
