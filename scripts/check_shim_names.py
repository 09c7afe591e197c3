#!/usr/bin/env python3
"""Checks that every ct_* function defined in Sources/CTorch/*.cpp names its parameters exactly as
its declaration in Sources/CTorch/include/ctorch.h does (the header's names are the documented ones).

Regex-based: comments and preprocessor lines are stripped, then `ct_name(params);` is a declaration and
`ct_name(params) {` a definition. Exits 1 listing every mismatch (and every function declared but not
defined or defined but not declared), 0 when all agree.

Usage: python3 scripts/check_shim_names.py [HEADER CPP...]   (defaults: the header and every .cpp of Sources/CTorch)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "Sources/CTorch/include/ctorch.h"
SOURCES = sorted((ROOT / "Sources/CTorch").glob("*.cpp"))

FUNCTION = re.compile(r"\b(ct_\w+)\s*\(([^()]*)\)\s*([;{])")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def strip(text):
    """Removes comments and preprocessor lines (with their continuations)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.M)
    return text


def parameter_names(params):
    """The parameter names of a C parameter list ('void' and '' give none)."""
    params = params.strip()
    if params in ("", "void"):
        return []
    names = []
    for param in params.split(","):
        words = IDENTIFIER.findall(re.sub(r"\[[^\]]*\]", "", param))
        # A parameter without a name is just its type, one word here (this shim uses no `struct x`).
        names.append(words[-1] if len(words) > 1 else "<unnamed>")
    return names


def functions(path, terminator):
    """name -> parameter names for every ct_* signature in path ending in terminator (';' or '{')."""
    found = {}
    for match in FUNCTION.finditer(strip(path.read_text())):
        name, params, end = match.groups()
        if end != terminator:
            continue
        found[name] = parameter_names(params)
    return found


def main(argv):
    header, sources = (Path(argv[1]), [Path(a) for a in argv[2:]]) if len(argv) >= 3 else (HEADER, SOURCES)
    declared = functions(header, ";")
    defined = {}
    for source in sources:
        defined.update(functions(source, "{"))
    source_names = ", ".join(source.name for source in sources)
    if not declared or not defined:
        print(f"check_shim_names: found {len(declared)} declarations and {len(defined)} definitions; "
              "the patterns no longer match the files", file=sys.stderr)
        return 1
    problems = []
    for name in sorted(set(declared) | set(defined)):
        if name not in defined:
            problems.append(f"{name}: declared in {header.name} but not defined in {source_names}")
        elif name not in declared:
            problems.append(f"{name}: defined in {source_names} but not declared in {header.name}")
        elif declared[name] != defined[name]:
            problems.append(f"{name}: header ({', '.join(declared[name])}) != definition ({', '.join(defined[name])})")
    if problems:
        print(f"{len(problems)} ct_* functions disagree between {header.name} and {source_names}:", file=sys.stderr)
        for problem in problems:
            print("  " + problem, file=sys.stderr)
        return 1
    print(f"check_shim_names: {len(defined)} functions, parameter names agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
