"""The kit reaches Kafka only through FastStream's and aiokafka's public API (issue #21): no framework internals."""

import ast
from pathlib import Path

import outreach_shared

KIT = Path(outreach_shared.__file__).parent
PRIVATE_MODULES = ("aiokafka.producer.message_accumulator", "faststream._internal", "faststream.kafka.subscriber")


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(KIT.rglob("*.py"))]


def test_the_kit_imports_no_private_module_of_aiokafka_or_faststream() -> None:
    imported = [
        (path.name, node.module)
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PRIVATE_MODULES)
    ]
    assert imported == []


def test_the_kit_reads_no_private_attribute_of_a_framework_object_and_swaps_no_method() -> None:
    private = [
        (path.name, node.lineno, node.attr)
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert private == []
    swapped = [
        (path.name, node.lineno)
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "get_msg"
                                                for t in node.targets)
    ]
    assert swapped == []
