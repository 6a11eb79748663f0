"""Every setting of a training run, in one block: `python -m train fit` offers each as an option (train.options),
and a run writes the whole block to its config.json and training.json. Why each default is what it is, with the
measurements, is in docs/training.md."""

from dataclasses import dataclass

from emotion.label_sets import LABEL_SETS
from train.options import setting

BEST_MODEL = "best.keras"  # in the run's folder: the epoch PublicTest chose
BACKUP = "backup"  # in the run's folder while it trains: what --resume continues from
HISTORY = "history.csv"  # in the run's folder: one row of figures an epoch


@dataclass
class FitConfig:
    epochs: int = setting(10, "at most this many epochs (a time limit may plan fewer)")
    batch_size: int = setting(128, "faces a step (on every GPU together)")
    optimizer: str = setting("adamw", "adamw, or sgd (Nesterov), which long runs prefer")
    learning_rate: float = setting(5e-4, "the peak, after the warm-up; a cosine takes it to 0 (0.05 suits sgd)")
    warmup_epochs: int = setting(1, "epochs of linear warm-up from a tenth of the peak")
    weight_decay: float = setting(1e-4, "decoupled weight decay")
    label_smoothing: float = setting(0.1, "for heads that learn one annotator's labels (FER2013's)")
    dropout: float = setting(0.25, "before the heads")
    widths: tuple[int, ...] = setting((16, 32, 128, 256), "channels per stage, e.g. 16,32,64,128,256")
    convs_per_stage: int = setting(2, "3x3 convolutions per stage")
    heads: tuple[str, ...] = setting(tuple(LABEL_SETS), "label sets to learn, one head each (emotion.label_sets)")
    erasing: float = setting(0.0, "probability of random erasing per face")
    photo_like: bool = setting(False, "add the photo-like augmentation (turned heads, lighting, lost detail)")
    photo_repeats: int = setting(6, "how many times the photo folder's training half joins Training")
    init_from: str = setting("", "a .keras model to start from (a folded one is unfolded first); '' for none")
    teacher: str = setting("", "a .keras model to distil, e.g. from `train ensemble`; '' for none")
    teacher_weight: float = setting(0.5, "the teacher's share of each head's target")
    consistent_teaching: bool = setting(False, "ask the teacher about each augmented batch, not once a face")
    precision: str = setting("float32", "float32, or mixed_bfloat16 on a GPU (about 2x there)")
    time_limit_minutes: float = setting(0.0, "fit the run into this many minutes, the cosine completed (0: none)")
    loader_threads: int = setting(4, "threads that make the training batches")
    loader_processes: int = setting(0, "processes that augment the batches (0: the threads do)")
    backup: bool = setting(True, "keep the training state each epoch, so that --resume can continue a run")
    seed: int = setting(1337, "for the weights, the order and the augmentation")
