#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A shared library exports exactly what its installed public headers declare.

Usage: check_exports.py LIB.so HEADER.h [HEADER.h...]
       check_exports.py --declared HEADER.h [HEADER.h...]   (print the names)

Reads the functions and extern variables the headers declare (static inline
helpers, types and macros are not symbols) and the library's defined dynamic
symbols (nm -D --defined-only). Fails naming every exported symbol no header
declares (an internal function leaking into the ABI) and every declared
function or variable the library does not export (a broken version map).
"""
import re
import subprocess
import sys

IDENT = re.compile(r'[A-Za-z_]\w*')


def strip_braces(text):
    """Drop every {...} body (structs, enums, inline functions) at any depth."""
    out, depth = [], 0
    for ch in text:
        if ch == '{':
            depth += 1
            if depth == 1:
                out.append(' {} ')
        elif ch == '}':
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return ''.join(out)


def declared(path):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'^\s*#(?:[^\n]*\\\n)*[^\n]*', ' ', text, flags=re.M)
    text = text.replace('extern "C" {', ' ')
    text = strip_braces(text)
    names = set()
    # Each top-level declaration ends at ';' or at an (inline) body.
    for decl in re.split(r';|\{\}', text):
        decl = ' '.join(decl.split())
        if not decl or decl.startswith(('typedef', 'static')):
            continue
        if '(' in decl:
            # int devmem_x(...), const char *f(...): the name is the
            # identifier right before the first parenthesis.
            m = re.search(r'([A-Za-z_]\w*)\s*\(', decl)
            if m and not re.match(r'(?:struct|enum|union)\s+\w+\s*$', decl):
                names.add(m.group(1))
        elif decl.startswith('extern '):
            names.add(IDENT.findall(decl)[-1])
    return names


def exported(lib):
    out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] == 'A':  # 'A': a version node's name
            continue
        names.add(parts[2].split('@')[0])
    return names - {'_init', '_fini'}


def main(argv):
    if len(argv) >= 2 and argv[0] == '--declared':
        for name in sorted(set().union(*(declared(h) for h in argv[1:]))):
            print(name)
        return 0
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    lib, headers = argv[0], argv[1:]
    want = set().union(*(declared(h) for h in headers))
    have = exported(lib)
    extra, missing = sorted(have - want), sorted(want - have)
    for name in extra:
        print(f'{lib}: exports {name}, which no public header declares')
    for name in missing:
        print(f'{lib}: does not export {name}, declared in the public headers')
    if not want:
        print(f'{lib}: found no declarations in {" ".join(headers)}')
        return 1
    print(f'{lib}: {len(have)} symbols exported, {len(want)} declared, '
          f'{len(extra)} undeclared, {len(missing)} missing')
    return 1 if extra or missing else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
