"""Command-line options made from the config dataclasses: one field is one option, with its default and help."""

import argparse
import dataclasses

import pytest

from train.config import FitConfig
from train.options import add_options, config_from, setting, to_argv
from train.recipe import RecipeConfig


def parsed(config_class: type, argv: list[str]):
    parser = argparse.ArgumentParser()
    add_options(parser, config_class)
    return config_from(parser.parse_args(argv), config_class)


def test_no_options_give_the_configs_defaults():
    assert parsed(FitConfig, []) == FitConfig()
    assert parsed(RecipeConfig, []) == RecipeConfig()


def test_a_field_added_to_fit_config_becomes_an_option_with_no_other_edit():
    @dataclasses.dataclass
    class Wider(FitConfig):
        stem_channels: int = setting(24, "channels of a new first layer")
        mixup: bool = setting(False, "a new switch")

    assert parsed(Wider, []).stem_channels == 24
    config = parsed(Wider, ["--stem-channels", "32", "--mixup", "--epochs", "3"])
    assert (config.stem_channels, config.mixup, config.epochs) == (32, True, 3)
    assert isinstance(config, Wider)


def test_every_fit_setting_has_help_and_round_trips_through_its_command_line():
    assert all(field.metadata.get("help") for field in dataclasses.fields(FitConfig))
    changed = dataclasses.replace(
        FitConfig(),
        widths=(8, 16),
        heads=("ferplus",),
        backup=False,
        teacher="t.keras",
        learning_rate=0.05,
        photo_like=True,
    )
    assert parsed(FitConfig, to_argv(changed)) == changed


def test_the_recipes_nested_training_config_is_reached_by_prefixed_options():
    config = parsed(
        RecipeConfig,
        [
            "--training-batch-size",
            "16",
            "--students",
            "a=4,8;b=assets/model.keras",
            "--teacher-widths",
            "4,8;8,8",
            "--no-training-consistent-teaching",
        ],
    )
    assert config.training.batch_size == 16 and not config.training.consistent_teaching
    assert config.training.optimizer == RecipeConfig().training.optimizer  # the recipe's own defaults stay
    assert config.students == (("a", (4, 8)), ("b", "assets/model.keras"))
    assert config.teacher_widths == ((4, 8), (8, 8))


def test_a_field_of_a_type_options_cannot_read_is_refused_at_once():
    @dataclasses.dataclass
    class Odd:
        shape: dict = setting(None, "no parser for this")

    with pytest.raises(TypeError, match="shape"):
        add_options(argparse.ArgumentParser(), Odd)
