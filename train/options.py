"""Command-line options made from a config dataclass: a field's name, default and help are written once, in the
dataclass (with `setting`), and the option, its parsing and the command line that reproduces a config follow.

    --epochs 36                  an int, float or str field
    --widths 16,32,64            a tuple of ints or strings, comma-separated
    --backup / --no-backup       a bool field
    --training-batch-size 256    a field of a nested config dataclass, its name prefixed
"""

import argparse
import dataclasses
import typing
from collections.abc import Callable
from typing import Any


def setting(
    default: Any = dataclasses.MISSING,
    help: str = "",
    parse: Callable[[str], Any] | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A config field with its help text, and for a type the options cannot read by themselves, its parser."""
    metadata = {"help": help, "parse": parse}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def comma_list(item: Callable[[str], Any]) -> Callable[[str], tuple]:
    return lambda text: tuple(item(part) for part in text.split(",") if part)


def _parser_for(field: dataclasses.Field, kind: Any) -> Callable[[str], Any]:
    if field.metadata.get("parse"):
        return field.metadata["parse"]
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if item in (int, float, str):
            return comma_list(item)
    if kind in (int, float, str):
        return kind
    raise TypeError(f"{field.name}: a {kind} field needs setting(parse=...) to be read from the command line")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_options(parser: argparse.ArgumentParser, config_class: type, prefix: str = "", defaults: Any = None) -> None:
    """One option per field of `config_class` (and of the config dataclasses it nests), defaults from the class
    (or from `defaults`, an instance of it)."""
    defaults = config_class() if defaults is None else defaults
    for field, kind in _fields(config_class):
        name, default = prefix + field.name, getattr(defaults, field.name)
        if dataclasses.is_dataclass(kind):
            add_options(parser, kind, prefix=f"{name}_", defaults=default)
            continue
        help_text = f"{field.metadata.get('help', '')} (default: {_shown(default)})"
        if kind is bool:
            parser.add_argument(
                _option(name), dest=name, action=argparse.BooleanOptionalAction, default=default, help=help_text
            )
        else:
            parser.add_argument(
                _option(name), dest=name, type=_parser_for(field, kind), default=default, help=help_text
            )


def config_from(arguments: argparse.Namespace, config_class: type, prefix: str = "") -> Any:
    """The config the options added by add_options were given (nested configs included)."""
    values = {}
    for field, kind in _fields(config_class):
        name = prefix + field.name
        values[field.name] = (
            config_from(arguments, kind, f"{name}_") if dataclasses.is_dataclass(kind) else getattr(arguments, name)
        )
    return config_class(**values)


def to_argv(config: Any) -> list[str]:
    """The options that give back `config` through add_options and config_from (a flat config of plain types)."""
    argv = []
    for field, kind in _fields(type(config)):
        value = getattr(config, field.name)
        if kind is bool:
            argv.append(_option(field.name) if value else _option(f"no_{field.name}"))
        elif typing.get_origin(kind) is tuple:
            argv += [_option(field.name), ",".join(map(str, value))]
        else:
            argv += [_option(field.name), str(value)]
    return argv


def _fields(config_class: type) -> list[tuple[dataclasses.Field, Any]]:
    kinds = typing.get_type_hints(config_class)
    return [(field, kinds[field.name]) for field in dataclasses.fields(config_class)]


def _shown(default: Any) -> str:
    if isinstance(default, tuple) and all(not isinstance(item, tuple) for item in default):
        return ",".join(map(str, default)) or "none"
    return str(default).replace("%", "%%")
