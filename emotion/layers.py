"""What a saved model may be made of beyond Keras' own layers: the project's network (FerVgg), which carries its
shape in its config, and the ensembles' mirror layer. Importing this module registers them, so
keras.saving.load_model can rebuild a model that uses them (emotion.classifier imports it)."""

from emotion.backend import keras
from emotion.label_sets import LABEL_SETS
from emotion.labels import CLASSES
from emotion.preprocess import INPUT_SIZE


@keras.saving.register_keras_serializable(package="emotion")
class HorizontalFlip(keras.layers.Layer):
    """Mirrors a (B, H, W, C) batch left to right, always: the second view of test-time flipping
    (train.ensemble), unlike RandomFlip, which flips only in training."""

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=2)


@keras.saving.register_keras_serializable(package="emotion")
class FerVgg(keras.Model):
    """The expression classifier: a VGG-style network for 48x48 grayscale faces (train.model builds and trains
    it). A stride-1 stem, `convs_per_stage` convolutions and a max-pool per stage of `widths` channels, global
    average pooling, dropout, one softmax head per label set it learns (emotion.label_sets).

    It takes raw pixels (0..255, shape (48, 48, 1)) and scales them itself, so serving cannot feed it differently
    scaled input than training did; its output is a dict {head: (N, 7)}. batch_norm=False is the serving form,
    each conv with a bias and the ReLU inside (train.model.fold_batch_norm fills it). Its shape is its config:
    a saved model rebuilds as the same network, and training reads its shape from there. `dtype` is the layers'
    dtype policy (the global one unless given); the heads always compute in float32.
    """

    def __init__(
        self,
        widths: tuple[int, ...] = (32, 64, 128, 256),
        convs_per_stage: int = 2,
        dropout: float = 0.4,
        heads: tuple[str, ...] = tuple(LABEL_SETS),
        batch_norm: bool = True,
        dtype=None,
        **options,
    ):
        unknown = set(heads) - set(LABEL_SETS)
        if unknown or not heads:
            raise ValueError(f"heads must be a non-empty subset of {tuple(LABEL_SETS)}, not {tuple(heads)}")
        layers = keras.layers
        inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
        x = layers.Rescaling(1 / 127.5, offset=-1.0, name="scale_pixels", dtype=dtype)(inputs)
        conv_names = []
        for stage, filters in enumerate(widths, start=1):
            for conv in range(1, convs_per_stage + 1):
                name = f"stage{stage}_{conv}"
                conv_names.append(f"{name}_conv")
                if batch_norm:
                    x = layers.Conv2D(
                        filters,
                        3,
                        padding="same",
                        use_bias=False,
                        kernel_initializer="he_normal",
                        name=f"{name}_conv",
                        dtype=dtype,
                    )(x)
                    x = layers.BatchNormalization(name=f"{name}_bn", dtype=dtype)(x)
                    x = layers.Activation("relu", name=f"{name}_relu", dtype=dtype)(x)
                else:
                    x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv", dtype=dtype)(
                        x
                    )
            x = layers.MaxPooling2D(name=f"stage{stage}_pool", dtype=dtype)(x)
        x = layers.GlobalAveragePooling2D(name="pool", dtype=dtype)(x)
        x = layers.Dropout(dropout, name="dropout", dtype=dtype)(x)
        outputs = {
            head: layers.Dense(len(CLASSES), activation="softmax", dtype="float32", name=head)(x) for head in heads
        }
        super().__init__(inputs, outputs, **({"name": "fer_vgg"} | options), dtype=dtype)
        self.shape_config = {
            "widths": tuple(widths),
            "convs_per_stage": convs_per_stage,
            "dropout": dropout,
            "heads": tuple(heads),
            "batch_norm": batch_norm,
        }
        self.conv_names = tuple(conv_names)  # each convolution's layer, in order; its BatchNorm is NAME_bn

    def get_config(self) -> dict:
        return {**self.shape_config, "name": self.name, "dtype": keras.dtype_policies.serialize(self.dtype_policy)}

    @classmethod
    def from_config(cls, config: dict) -> "FerVgg":
        return cls(**config)
