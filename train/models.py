"""The architectures, by name. Each takes float32 (N, 28, 28, 1) in [0, 1] and gives class probabilities:
the ten digits, and with `num_classes=11` an eleventh, "not one digit" (train.negatives)."""

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def build_mlp(num_classes: int = NUM_CLASSES) -> keras.Model:
    """The dense baseline: two hidden layers with dropout (about 98% on MNIST)."""
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Flatten()(inputs)  # 28x28x1 -> 784
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mlp")


def build_cnn3(num_classes: int = NUM_CLASSES) -> keras.Model:
    """The classic 3-conv, 2-pool, dense-64 network of TensorFlow's CNN tutorial (about 99%)."""
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Conv2D(32, 3, activation="relu")(inputs)  # -> 26x26x32
    x = layers.MaxPooling2D()(x)  # -> 13x13x32
    x = layers.Conv2D(64, 3, activation="relu")(x)  # -> 11x11x64
    x = layers.MaxPooling2D()(x)  # -> 5x5x64
    x = layers.Conv2D(64, 3, activation="relu")(x)  # -> 3x3x64
    x = layers.Flatten()(x)  # -> 576
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="cnn3")


def _conv_bn_relu(x, filters: int, strides: int = 1):
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_edge(num_classes: int = NUM_CLASSES) -> keras.Model:
    """Our network: five 3x3 conv/batch-norm blocks, strided instead of pooled, 141k parameters.

    Strided convolutions halve the work of the pooled design at the same width,
    which matters on a Pi's CPU; global average pooling keeps the head small.
    """
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = _conv_bn_relu(inputs, 32)  # -> 28x28x32
    x = _conv_bn_relu(x, 32, strides=2)  # -> 14x14x32
    x = _conv_bn_relu(x, 64)  # -> 14x14x64
    x = _conv_bn_relu(x, 64, strides=2)  # -> 7x7x64
    x = layers.SpatialDropout2D(0.1)(x)
    x = _conv_bn_relu(x, 128)  # -> 7x7x128
    x = layers.GlobalAveragePooling2D()(x)  # -> 128
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="edge")


ARCHITECTURES = {"mlp": build_mlp, "cnn3": build_cnn3, "edge": build_edge}


def build_model(name: str, num_classes: int = NUM_CLASSES) -> keras.Model:
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name](num_classes)


def load_weights_from(model: keras.Model, path: str) -> None:
    """Start `model` from a trained one of the same architecture, whatever its number of classes.

    Every layer takes the other's weights; an output layer with more classes keeps
    its new columns as initialised and takes the others, so a ten-digit model can
    be taught an eleventh class without forgetting the ten.
    """
    source = keras.models.load_model(path)
    if len(source.layers) != len(model.layers):
        raise ValueError(f"{path} is not a {model.name} network: {len(source.layers)} layers, "
                         f"expected {len(model.layers)}")
    for mine, theirs in zip(model.layers, source.layers, strict=True):
        weights = []
        for new, old in zip(mine.get_weights(), theirs.get_weights(), strict=True):
            if new.shape == old.shape:
                weights.append(old)
            elif new.shape[:-1] == old.shape[:-1] and new.shape[-1] > old.shape[-1]:
                new = new.copy()
                new[..., :old.shape[-1]] = old
                weights.append(new)
            else:
                raise ValueError(f"{path}: layer {theirs.name} has weights {old.shape}, expected {new.shape}")
        mine.set_weights(weights)
