"""Train one architecture once per optimizer and compare them: a Markdown table, a CSV and one plot.

    python -m train --arch cnn3 --epochs 5 --compare-optimizers sgd adam nadam adadelta --out runs/optimizers
"""

import csv
import dataclasses
import io
import json
from pathlib import Path

from edge_app.fileio import atomic_write_text
from train.training import TrainConfig, train

COLUMNS = ("optimizer", "learning_rate", "epochs", "train_accuracy", "test_accuracy", "test_loss", "train_seconds")


def compare_optimizers(config: TrainConfig, optimizers: list[str]) -> list[dict]:
    from train.plots import plot_comparison

    out = Path(config.out)
    rows, histories = [], {}
    for name in optimizers:
        run_config = dataclasses.replace(config, optimizer=name, out=str(out / name))
        run = train(run_config)
        history = json.loads((out / name / "history.json").read_text())
        histories[name] = history
        rows.append({
            "optimizer": name, "learning_rate": run["learning_rate"], "epochs": config.epochs,
            "train_accuracy": round(history["accuracy"][-1], 4), "test_accuracy": round(run["test_accuracy"], 4),
            "test_loss": round(run["test_loss"], 4), "train_seconds": run["train_seconds"]})
    atomic_write_text(out / "comparison.md", comparison_markdown(rows))
    atomic_write_text(out / "comparison.csv", comparison_csv(rows))
    plot_comparison(histories, out / "comparison.png", title=f"{config.architecture}: optimizers")
    return rows


def comparison_markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def comparison_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
