#!/usr/bin/env python3
"""Every Catch2 test name in tests/ runs under CTest as written.

CTest splits a test name at ';' (CMake's list separator): a TEST_CASE whose name holds one
becomes two CTest tests that match no Catch2 case and so never run. A name must also not
start or end with a space, and must not be used twice.

    test_names_test.py TESTS_DIR
"""
import pathlib
import re
import sys

# TEST_CASE( then one or more adjacent string literals (C++ concatenates them).
CASE = re.compile(r'\bTEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def names(path):
    text = path.read_text(encoding="utf-8")
    for match in CASE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        yield line, "".join(LITERAL.findall(match.group(1)))


def main():
    root = pathlib.Path(sys.argv[1])
    problems, seen, count = [], {}, 0
    for path in sorted(root.rglob("*.cc")):
        for line, name in names(path):
            count += 1
            where = f"{path.relative_to(root)}:{line}"
            if ";" in name:
                problems.append(f"{where}: the name holds ';', so CTest would split it and run nothing")
            if name != name.strip():
                problems.append(f"{where}: the name starts or ends with a space")
            if name in seen:
                problems.append(f"{where}: the name is also used at {seen[name]}")
            seen.setdefault(name, where)
    if count == 0:
        problems.append(f"no TEST_CASE found under {root}: the search itself is broken")
    for problem in problems:
        print(problem)
    print(f"{count} test names read, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
