#!/usr/bin/env python3
"""Fails when a tracked file of the project refers to a path outside its own checkout.

A plain clone must build and test on its own, so sources, scripts, project files and docs may name only paths inside
the repository. Relative paths are resolved from the folder of the file that names them (and, for scripts and docs
that speak from the top of the repository, from there too); a path that climbs above the checkout either way is
refused, as is an absolute path into a home or work folder of some machine, and a C# path built from a ".." segment.
"""
import os
import re
import subprocess
import sys

root = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
os.chdir(root)

TEXT = {".cs", ".csproj", ".props", ".targets", ".sln", ".sh", ".py", ".rb", ".go", ".js", ".ts", ".proto", ".md",
        ".yaml", ".yml", ".json", ".sql", ".xml", ".editorconfig", ".gitignore", ".Dockerfile", ""}
# Test inputs that name paths on purpose (a fuzzer's traversal strings) are not references.
IGNORED = ("tests/vectors/", "scripts/check-paths.py")

relative = re.compile(r"(?<![\w.])((?:\.\./)+)[\w.$\-{}]*")
absolute = re.compile(r"(?<![\w.:/])(/(?:work|home|root|Users|mnt/c)/[\w.\-]+)")
dotdot_segment = re.compile(r'"\.\."\s*[,)]')
# The reference material that sits beside the checkout on a developer's machine, named however the path is spelled.
beside = re.compile(r"\bshared/(?:testvectors|reference|SPEC\.md|STYLE\.md|PROTOCOL-NOTES\.md)")


def inside(start, ups):
    target = os.path.normpath(os.path.join(start, "../" * ups))
    return target == root or target.startswith(root + os.sep)


def main():
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], capture_output=True, text=True, check=True)
    problems = []
    for path in files.stdout.splitlines():
        if path.startswith(IGNORED) or not os.path.isfile(path):
            continue
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1] if "." in name else ""
        if ext not in TEXT and name not in ("run", "mrk", "Dockerfile"):
            continue
        try:
            text = open(path, encoding="utf-8").read()
        except UnicodeDecodeError:
            continue
        folder = os.path.join(root, os.path.dirname(path))
        for number, line in enumerate(text.splitlines(), 1):
            if "../../etc/passwd" in line:  # the wire fuzzer's traversal probe, a string it sends, not a path it reads
                line = line.replace("../../etc/passwd", "")
            for match in relative.finditer(line):
                ups = match.group(1).count("../")
                # A command line that changes folder first ("cd clients/node && node x.js ../../y") speaks from there.
                moved = re.search(r"\bcd\s+([\w./\-]+)", line[:match.start()])
                start = os.path.join(root, moved.group(1)) if moved else root
                if not inside(folder, ups) and not inside(start, ups):
                    problems.append(f"{path}:{number}: {match.group(0)} is outside the checkout")
                elif not inside(folder, ups) and ext in (".cs", ".csproj", ".props", ".targets"):
                    problems.append(f"{path}:{number}: {match.group(0)} climbs above the checkout from this file")
            for match in absolute.finditer(line):
                problems.append(f"{path}:{number}: {match.group(1)} is a path of some machine, not of the checkout")
            for match in beside.finditer(line):
                problems.append(f"{path}:{number}: {match.group(0)} is material beside the checkout; copy what is needed in")
            if ext == ".cs" and dotdot_segment.search(line):
                problems.append(f"{path}:{number}: a path built from \"..\" may leave the checkout; find it from the root")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} reference(s) to paths outside the checkout")
        return 1
    return 0


sys.exit(main())
