"""The GPU recipe's settings, in one block: `python -m train distil-recipe` offers each as an option, and the
FitConfig it holds is what every network of the recipe trains with (docs/training.md has the measurements)."""

from dataclasses import dataclass

from train.config import FitConfig
from train.options import setting


def shapes_of(text: str) -> tuple[tuple[int, ...], ...]:
    """--teacher-widths: shapes ';' between, widths ',' between."""
    return tuple(tuple(int(w) for w in shape.split(",")) for shape in text.split(";") if shape)


def students_of(text: str) -> tuple[tuple[str, tuple[int, ...] | str], ...]:
    """--students: each name=widths (from scratch) or name=path.keras (that model continued), ';' between."""
    students = []
    for name, shape in (student.split("=") for student in text.split(";") if student):
        students.append((name, shape if shape.endswith(".keras") else tuple(int(w) for w in shape.split(","))))
    return tuple(students)


def paths_of(text: str) -> tuple[str, ...]:
    return tuple(path for path in text.split(";") if path)


def recipe_training() -> FitConfig:
    """What every network of the recipe trains with, but for its shape, epochs, seed and teacher: SGD Nesterov on
    a cosine, random erasing, bfloat16, loader processes, no backup (docs/training.md has the measurements)."""
    return FitConfig(
        batch_size=256,
        optimizer="sgd",
        learning_rate=0.05,
        warmup_epochs=3,
        weight_decay=5e-4,
        dropout=0.3,
        erasing=0.5,
        precision="mixed_bfloat16",
        loader_processes=5,
        backup=False,
        teacher_weight=0.7,
        consistent_teaching=True,
    )


@dataclass
class RecipeConfig:
    teacher_widths: tuple[tuple[int, ...], ...] = setting(
        ((64, 128, 256, 512), (40, 80, 160, 320)),
        "the teachers' shapes, ';' between: '64,128,256,512;40,80,160,320'",
        parse=shapes_of,
    )
    teacher_epochs: int = setting(200, "at most, for each teacher (the stage's time limit decides)")
    photo_like_teachers: tuple[int, ...] = setting((), "teachers (by index) that also learn the photo-like changes")
    ensemble_candidates: tuple[str, ...] = setting(
        ("assets/model.keras",),
        "models that compete beside the teachers for the ensemble, ';' between, '' for none",
        parse=paths_of,
    )
    students: tuple[tuple[str, tuple[int, ...] | str], ...] = setting(
        (("student", "assets/model.keras"), ("wide", (16, 32, 64, 160, 320))),
        "name=widths (from scratch) or name=model.keras (continued), ';' between",
        parse=students_of,
    )
    student_epochs: int = setting(200, "at most, for each student")
    minutes: float = setting(7.5, "for the whole recipe: the stages' time limits are shares of it")
    teacher_share: float = setting(0.4, "of the minutes, for the teachers")
    student_share: float = setting(0.45, "of the minutes, for the students")
    students_only: bool = setting(False, "a second run: the students alone, from the ensemble the first left in --work")
    training: FitConfig = setting(help="what every network trains with", factory=recipe_training)
