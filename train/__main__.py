"""python -m train fit|evaluate: a thin command line over train.fit and train.evaluate."""

import argparse
from pathlib import Path

from train.fit import FitConfig, fit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fit_parser = commands.add_parser("fit", help="train a model on FER2013")
    fit_parser.add_argument("--data", type=Path, required=True, help="FER2013 folder or fer2013.csv")
    fit_parser.add_argument("--out", type=Path, default=Path("runs/latest"), help="checkpoints and logs")
    fit_parser.add_argument("--epochs", type=int, default=FitConfig.epochs)
    fit_parser.add_argument("--batch-size", type=int, default=FitConfig.batch_size)
    fit_parser.add_argument("--class-weight-power", type=float, default=FitConfig.class_weight_power)
    fit_parser.add_argument("--seed", type=int, default=FitConfig.seed)
    fit_parser.add_argument("--resume", action="store_true", help="continue the unfinished run in --out")
    arguments = parser.parse_args()

    if arguments.command == "fit":
        config = FitConfig(epochs=arguments.epochs, batch_size=arguments.batch_size,
                           class_weight_power=arguments.class_weight_power, seed=arguments.seed)
        print(f"best model: {fit(arguments.data, arguments.out, config, resume=arguments.resume)}")


if __name__ == "__main__":
    main()
