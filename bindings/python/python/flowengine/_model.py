"""The bases of the generated models and enums (written once, by hand).

A model is a typed view over the JSON object the service sent: attribute
access goes through generated properties, ``to_dict()`` gives the JSON back,
and fields the spec does not know yet are kept (``model["new_field"]``, or
``model.new_field`` at run time).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Type, TypeVar

__all__ = ["Model", "OpenEnum", "compact", "to_json"]

M = TypeVar("M", bound="Model")


def to_json(value: Any) -> Any:
    """Models, enums, tuples and mappings as plain JSON values."""
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    return value


def compact(params: Dict[str, Any]) -> Dict[str, Any]:
    """The params that were given (``None`` means "leave it out")."""
    return {k: v for k, v in params.items() if v is not None}


class Model:
    """Base of every generated model."""

    __slots__ = ("_data",)
    _data: Dict[str, Any]

    def __init__(self, **fields: Any) -> None:
        self._data = {k: to_json(v) for k, v in fields.items() if v is not None}

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any]) -> M:
        """A model over this JSON object (not copied; unknown keys are kept)."""
        obj = cls.__new__(cls)
        obj._data = data if isinstance(data, dict) else dict(data)
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object, by wire names (a shallow copy)."""
        return dict(self._data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        """A field by wire name, known to the spec or not."""
        return self._data.get(key, default)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Model):
            return type(self) is type(other) and self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    if not TYPE_CHECKING:
        # Fields the spec does not know yet, by wire name, at run time only
        # (type checkers keep flagging typos).
        def __getattr__(self, name: str) -> Any:
            try:
                data = object.__getattribute__(self, "_data")
            except AttributeError:
                raise AttributeError(name) from None
            if name in data:
                return data[name]
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")


class OpenEnum(str, enum.Enum):
    """A str enum that also accepts values the spec does not list yet: an
    unknown value becomes a pseudo-member (``Runtime("nodejs24")``) that
    compares equal to its string, with ``is_known`` False."""

    @classmethod
    def _missing_(cls, value: object) -> Optional[OpenEnum]:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """Whether the spec lists this value."""
        return self._value_ in type(self)._value2member_map_

    def __str__(self) -> str:
        return str(self._value_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}.{self._name_}: {self._value_!r}>"
