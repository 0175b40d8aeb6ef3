"""Reading Dash component trees in tests: the text a person would read, a component by id."""

from __future__ import annotations


def text_of(component) -> str:
    """All the text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find_by_id(component, component_id):
    """The first component with this id, depth first, or None."""
    if isinstance(component, list | tuple):
        for child in component:
            found = find_by_id(child, component_id)
            if found is not None:
                return found
        return None
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    return find_by_id(children, component_id) if children is not None else None


def walk(component):
    """Every component in the tree, depth first, in document order."""
    if isinstance(component, list | tuple):
        for child in component:
            yield from walk(child)
        return
    if component is None or isinstance(component, str | int | float):
        return
    yield component
    yield from walk(getattr(component, "children", None))
