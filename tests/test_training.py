"""Training on tiny subsets: seconds, not minutes. Needs TensorFlow and MNIST."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from train import training  # noqa: E402
from train.training import TrainConfig, TrainError, train  # noqa: E402


def tiny(tmp_path, mnist_path, **changes):
    base = TrainConfig(out=str(tmp_path / "run"), architecture="mlp", epochs=1, limit=300, eval_limit=500,
                       batch_size=64, mnist=str(mnist_path), verbose=0)
    return TrainConfig(**{**base.__dict__, **changes})


def test_architectures_and_parameter_budget():
    from train.models import ARCHITECTURES, build_model
    assert tuple(ARCHITECTURES) == training.ARCHITECTURES
    assert build_model("edge").count_params() <= 150_000
    for name in ("mlp", "cnn3", "edge"):
        model = build_model(name)
        assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 10)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("resnet")


def test_run_folder_holds_model_history_plot_and_record(tmp_path, mnist_path):
    import keras
    config = tiny(tmp_path, mnist_path, epochs=2)
    run = train(config)
    out = tmp_path / "run"
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "history.json", "model.keras", "run.json"]
    recorded = json.loads((out / "run.json").read_text())
    assert recorded == json.loads(json.dumps(run))
    assert recorded["config"]["architecture"] == "mlp" and recorded["config"]["seed"] == 1
    assert recorded["train_images"] == 300 and recorded["test_images"] == 500
    assert len(recorded["data_checksum"]) == 64
    assert recorded["test_accuracy"] > 0.5  # chance is 0.1; 300 images and two epochs do better
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 2 and len(history["val_accuracy"]) == 2
    model = keras.models.load_model(out / "model.keras")
    probabilities = model.predict(np.zeros((3, 28, 28, 1), np.float32), verbose=0)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_same_weights_with_augmentation(tmp_path, mnist_path):
    import keras
    weights = []
    for name in ("a", "b"):
        train(tiny(tmp_path, mnist_path, out=str(tmp_path / name), architecture="cnn3", augment=True, limit=128))
        weights.append(keras.models.load_model(tmp_path / name / "model.keras").get_weights())
    for first, second in zip(*weights, strict=True):
        np.testing.assert_array_equal(first, second)


def test_resume_after_interruption_matches_uninterrupted_run(tmp_path, mnist_path, monkeypatch):
    import keras
    whole = tiny(tmp_path, mnist_path, out=str(tmp_path / "whole"), epochs=2, limit=192)
    train(whole)

    real_checkpoint = training._epoch_checkpoint

    def interrupt_after_first_epoch(*args, **kwargs):
        callback = real_checkpoint(*args, **kwargs)
        original = callback.on_epoch_end

        def on_epoch_end(epoch, logs=None):
            original(epoch, logs)
            raise KeyboardInterrupt

        callback.on_epoch_end = on_epoch_end
        return callback

    cut = tiny(tmp_path, mnist_path, out=str(tmp_path / "cut"), epochs=2, limit=192)
    monkeypatch.setattr(training, "_epoch_checkpoint", interrupt_after_first_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(cut)
    assert (tmp_path / "cut" / "checkpoint.keras").is_file()
    assert not (tmp_path / "cut" / "model.keras").exists()
    monkeypatch.setattr(training, "_epoch_checkpoint", real_checkpoint)

    run = train(cut, resume=True)
    history = json.loads((tmp_path / "cut" / "history.json").read_text())
    assert len(history["loss"]) == 2
    assert not (tmp_path / "cut" / "checkpoint.keras").exists()
    resumed = keras.models.load_model(tmp_path / "cut" / "model.keras").get_weights()
    uninterrupted = keras.models.load_model(tmp_path / "whole" / "model.keras").get_weights()
    for first, second in zip(resumed, uninterrupted, strict=True):
        np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6)
    assert run["test_accuracy"] == pytest.approx(json.loads((tmp_path / "whole" / "run.json").read_text())
                                                 ["test_accuracy"])


def test_not_one_digit_class_fine_tuned_from_a_ten_digit_model(tmp_path, mnist_path):
    import keras
    train(tiny(tmp_path, mnist_path, out=str(tmp_path / "ten"), architecture="cnn3"))
    ten = keras.models.load_model(tmp_path / "ten" / "model.keras")
    config = tiny(tmp_path, mnist_path, out=str(tmp_path / "eleven"), architecture="cnn3", not_digit=0.3,
                  init_from=str(tmp_path / "ten" / "model.keras"), epochs=1, limit=64)
    # The first batch before any step: the ten-digit weights, with an eleventh output column added.
    from train.models import build_model, load_weights_from
    started = build_model("cnn3", 11)
    load_weights_from(started, config.init_from)
    for new, old in zip(started.get_weights(), ten.get_weights(), strict=True):
        np.testing.assert_array_equal(new[..., :old.shape[-1]], old)
    run = train(config)
    eleven = keras.models.load_model(tmp_path / "eleven" / "model.keras")
    assert eleven.output_shape == (None, 11) and run["config"]["not_digit"] == 0.3
    with pytest.raises(ValueError, match="not a mlp network"):
        load_weights_from(build_model("mlp", 11), config.init_from)


def test_scene_crops_replace_their_share_of_each_batch_with_their_labels(tmp_path, mnist_path):
    from train.scenecrops import load_crops, save_crops
    crops = np.full((5, 28, 28), 7, np.uint8)
    crops[:, 0, 0] = np.arange(5)  # which crop it is
    labels = np.array([3, 10, 5, 10, 1])
    path = tmp_path / "crops.npz"
    save_crops(path, crops, labels, seed=0, scenes=1)
    config = tiny(tmp_path, mnist_path, not_digit=0.1, scene_crops=str(path), scene_share=0.5, batch_size=64)
    (x_train, y_train), _, _ = training.load_data(config)
    images, got = training._batches(x_train, y_train, config, load_crops(path))[0]
    pixels = np.rint(images[..., 0] * 255).astype(int)
    mined = [i for i in range(len(images)) if (pixels[i, 1:, 1:] == 7).all()]
    assert 16 <= len(mined) <= 48  # about half of 64
    assert all(got[i] == labels[pixels[i, 0, 0]] for i in mined)
    run = train(config)
    assert run["scene_crops"]["images"] == 5 and run["scene_crops"]["not_digits"] == 2


def test_max_rotation_reaches_the_augmentation_and_the_record(tmp_path, mnist_path, monkeypatch):
    seen = []
    real = training.augment_batch

    def spy(images, rng, config):
        seen.append(config.max_rotation)
        return real(images, rng, config)

    monkeypatch.setattr(training, "augment_batch", spy)
    (x_train, y_train), _, _ = training.load_data(tiny(tmp_path, mnist_path))
    batches = {}
    for degrees in (0.0, 25.0):
        config = tiny(tmp_path, mnist_path, augment=True, max_rotation=degrees)
        batches[degrees] = training._batches(x_train, y_train, config)[0][0]
    assert seen == [0.0, 25.0]
    assert not np.array_equal(batches[0.0], batches[25.0])  # same seed, same draws: only the angle differs
    assert TrainConfig().max_rotation == 12.0
    run = train(tiny(tmp_path, mnist_path, augment=True, max_rotation=25.0))
    assert run["config"]["max_rotation"] == 25.0


@pytest.mark.parametrize("option, digits, left", [
    ("flagged_ones", [1], 2),  # all but a one with a base, say
    ("long_tails", [4, 7, 9], 0),
])
def test_digit_augmentations_change_only_their_digits_of_a_batch(tmp_path, mnist_path, option, digits, left):
    (x_train, y_train), _, _ = training.load_data(tiny(tmp_path, mnist_path))
    plain, _ = training._batches(x_train, y_train, tiny(tmp_path, mnist_path, batch_size=64))[0]
    drawn, labels = training._batches(x_train, y_train, tiny(tmp_path, mnist_path, batch_size=64,
                                                             **{option: 1.0}))[0]
    changed = np.flatnonzero((plain != drawn).any(axis=(1, 2, 3)))
    chosen = np.flatnonzero(np.isin(labels, digits))
    assert len(changed) >= len(chosen) - left and set(changed) <= set(chosen)
    assert getattr(TrainConfig(), option) == 0.0
    run = train(tiny(tmp_path, mnist_path, **{option: 0.5}))
    assert run["config"][option] == 0.5


def test_resume_with_nothing_to_resume(tmp_path, mnist_path):
    with pytest.raises(TrainError, match="nothing to resume"):
        train(tiny(tmp_path, mnist_path), resume=True)


def test_compare_optimizers_writes_table_csv_and_plot(tmp_path, mnist_path):
    from train.compare import compare_optimizers
    config = tiny(tmp_path, mnist_path, out=str(tmp_path / "cmp"), limit=200, eval_limit=200)
    rows = compare_optimizers(config, ["sgd", "adam"])
    assert [row["optimizer"] for row in rows] == ["sgd", "adam"]
    csv_lines = (tmp_path / "cmp" / "comparison.csv").read_text().splitlines()
    assert csv_lines[0].startswith("optimizer,") and len(csv_lines) == 3
    table = (tmp_path / "cmp" / "comparison.md").read_text()
    assert "| sgd |" in table and "| adam |" in table
    assert (tmp_path / "cmp" / "comparison.png").stat().st_size > 1000
    assert (tmp_path / "cmp" / "adam" / "model.keras").is_file()


def run_cli(*args, env_mnist=None):
    import os
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if env_mnist is not None:
        env["MNIST_PATH"] = str(env_mnist)
    return subprocess.run([sys.executable, "-m", "train", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_bad_input_is_refused_before_tensorflow_loads(tmp_path):
    code = ("import sys; from train.cli import main; code = main(['--arch', 'mlp', '--mnist', 'absent.npz', "
            f"'--out', {str(tmp_path / 'run')!r}]); sys.exit(10 + code if 'tensorflow' in sys.modules else code)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 2


def test_a_bad_scene_crops_file_is_refused_before_tensorflow_loads(tmp_path, mnist_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not an npz")
    code = ("import sys; from train.cli import main; code = main(['--arch', 'mlp', '--not-digit', '0.1', "
            f"'--scene-crops', {str(junk)!r}, '--mnist', {str(mnist_path)!r}, '--out', {str(tmp_path / 'run')!r}]); "
            "sys.exit(10 + code if 'tensorflow' in sys.modules else code)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "not a file of scene crops" in result.stderr


@pytest.mark.parametrize("args, fragment", [
    (["--arch", "resnet"], "invalid choice: 'resnet'"),
    (["--optimizer", "rmsprop"], "invalid choice: 'rmsprop'"),
    (["--epochs", "0"], "epochs must be at least 1"),
    (["--not-digit", "1.5"], "not-digit share must be in [0, 1)"),
    (["--max-rotation", "-5"], "max rotation must be in [0, 90] degrees"),
    (["--flagged-ones", "2"], "flagged-ones share must be in [0, 1]"),
    (["--long-tails", "-0.5"], "long-tails share must be in [0, 1]"),
    (["--init-from", "absent.keras"], "no model to start from at absent.keras"),
    (["--scene-crops", "absent.npz"], "give --not-digit too"),
    (["--scene-crops", "absent.npz", "--not-digit", "0.1"], "no scene crops at absent.npz"),
    (["--scene-crops", "absent.npz", "--not-digit", "0.1", "--scene-share", "1"], "scene share must be in [0, 1)"),
])
def test_cli_refuses_bad_arguments(tmp_path, args, fragment):
    result = run_cli(*args, "--out", str(tmp_path / "run"))
    assert_one_line_error(result, fragment)


def test_cli_bad_data_files_leave_nothing_behind(tmp_path, synthetic_npz):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(synthetic_npz.read_bytes()[:5000])
    for data, fragment in ((tmp_path / "missing.npz", "not found"), (corrupt, "truncated")):
        out = tmp_path / "run"
        result = run_cli("--arch", "mlp", "--mnist", str(data), "--out", str(out))
        assert_one_line_error(result, fragment)
        assert not out.exists() or not any(out.iterdir())


def test_cli_unwritable_output_folder(tmp_path, mnist_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli("--arch", "mlp", "--out", str(blocker / "run"), env_mnist=mnist_path)
    assert_one_line_error(result, "cannot write to output folder")


def test_cli_trains_and_reports(tmp_path, mnist_path):
    result = run_cli("--arch", "mlp", "--epochs", "1", "--limit", "200", "--eval-limit", "200", "--quiet",
                     "--out", str(tmp_path / "run"), env_mnist=mnist_path)
    assert result.returncode == 0, result.stderr
    assert "mlp: test accuracy" in result.stdout
    assert (tmp_path / "run" / "model.keras").is_file()
